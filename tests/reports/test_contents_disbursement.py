"""What donors expect under each agreement of a disbursement report (as from Akvo RSR or
TolaData): its signing date beside its period, the next tranche due, the IATI identifiers
(the implementer's and each funded project's), one line per funded project and the budget
against actual of its projects; each in the PDF and the workbook, and only the donor's own.

Expected values come from the demo data (ctportal/demo/data.py) worked out by hand."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from organisations.models import Organisation
from projects.iati import project_iati_identifier
from tests.reports.conftest import pdf_text, rows, workbook
from tests.reports.services_support import _generate

CENT = Decimal("0.01")
D = Decimal
# P7-GAC-CT spent USD 408,230.50 up to August 2023; GAC allocated USD 1,872,000 (CAD
# 2,400,000 at the June 2022 rate 0.78) and INL USD 300,000 of the USD 2,172,000 allocated.
P7_SPENT = D("408230.50")
GAC_P7_SPENT_USD = (P7_SPENT * 1872000 / 2172000).quantize(CENT, ROUND_HALF_UP)
GAC_P7_SPENT_CAD = (P7_SPENT * 2400000 / 2172000).quantize(CENT, ROUND_HALF_UP)
INL_P7_SPENT_USD = (P7_SPENT * 300000 / 2172000).quantize(CENT, ROUND_HALF_UP)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _cells(book) -> str:
    return "\n".join(
        str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
    )


def _report(month: str, user, donor: str | None = None):
    kwargs = {"donor": Organisation.objects.get(short_name=donor)} if donor else {}
    return _generate(kind="disbursement", month=month, user=user, **kwargs)


def test_a_projects_iati_identifier_starts_with_its_reporting_organisations():
    assert (
        project_iati_identifier(reporting_org_identifier="XM-DAC-41128", project_code="P7-GAC-CT")
        == "XM-DAC-41128-P7-GAC-CT"
    )
    assert project_iati_identifier(reporting_org_identifier="", project_code="P7-GAC-CT") == ""


@pytest.mark.django_db
def test_each_agreement_states_its_signing_date_implementer_and_next_tranche(users):
    report = _report("2023-08", users["manager"])

    details = rows(workbook(report)["Agreement details"])
    assert details[0] == [
        "Donor",
        "Agreement",
        "Title",
        "Signed on",
        "Starts on",
        "Ends on",
        "Implementer",
        "Implementer IATI identifier",
        "Currency",
        "Next tranche due on",
        "Next tranche amount",
        "Next tranche (USD)",
    ]
    by_reference = {r[1]: r for r in details[1:-1]}
    day = datetime.datetime
    assert {ref: r[3:6] for ref, r in by_reference.items()} == {
        "EU-FPI-PACT-KP": [day(2016, 12, 15), day(2017, 1, 1), day(2020, 12, 31)],
        "EU-PACT-SINDH": [day(2020, 1, 20), day(2020, 2, 1), day(2021, 12, 31)],
        "GAC-UNODC-SP4": [day(2022, 6, 15), day(2022, 7, 1), day(2025, 6, 30)],
        "INL-UNODC-PTP": [day(2022, 6, 20), day(2022, 7, 1), day(2025, 6, 30)],
        "JPN-2018-UNODC-PAK": [day(2018, 3, 30), day(2018, 4, 1), day(2019, 3, 31)],
    }
    assert {tuple(r[6:8]) for r in by_reference.values()} == {("UNODC", "XM-DAC-41128")}
    # GAC's second tranche (30 Sep 2023) and INL's (1 Oct 2023, received only on 12 Oct)
    # are still to come at the end of August; the others are paid in full.
    assert {ref: r[8:] for ref, r in by_reference.items()} == {
        "EU-FPI-PACT-KP": ["EUR", "none planned", None, None],
        "EU-PACT-SINDH": ["EUR", "none planned", None, None],
        "GAC-UNODC-SP4": ["CAD", day(2023, 9, 30), 800000, 624000],
        "INL-UNODC-PTP": ["USD", day(2023, 10, 1), 600000, 600000],
        "JPN-2018-UNODC-PAK": ["USD", "none planned", None, None],
    }
    assert details[-1][0] == "Total"
    assert details[-1][11] == D("1224000")

    text = _flat(pdf_text(report))
    assert (
        "Signed 15 Jun 2022; period 01 Jul 2022 to 30 Jun 2025. Implementer UNODC, IATI "
        "organisation identifier XM-DAC-41128. Next tranche due: 30 Sep 2023, CAD "
        "800,000.00 (USD 624,000.00)."
    ) in text
    assert (
        "Signed 20 Jun 2022; period 01 Jul 2022 to 30 Jun 2025. Implementer UNODC, IATI "
        "organisation identifier XM-DAC-41128. Next tranche due: 01 Oct 2023, USD "
        "600,000.00 (USD 600,000.00)."
    ) in text
    assert (
        "Signed 30 Mar 2018; period 01 Apr 2018 to 31 Mar 2019. Implementer UNODC, IATI "
        "organisation identifier XM-DAC-41128. Next tranche due: none planned."
    ) in text


@pytest.mark.django_db
def test_an_overdue_tranche_is_not_the_next_tranche_due(users):
    report = _report("2023-10", users["manager"], donor="GAC")

    details = rows(workbook(report)["Agreement details"])
    assert [r[1] for r in details[1:-1]] == ["GAC-UNODC-SP4"]
    assert details[1][9:] == ["none planned", None, None]
    assert "Next tranche due: none planned." in _flat(pdf_text(report))


@pytest.mark.django_db
def test_each_agreement_lists_the_projects_it_funds_with_their_iati_identifiers(users):
    report = _report("2023-08", users["manager"])

    book = workbook(report)
    table = rows(book["Projects"])
    assert table[0] == [
        "Donor",
        "Agreement",
        "Project",
        "Title",
        "IATI activity identifier",
        "Currency",
        "Allocated",
        "Spent",
        "Allocated (USD)",
        "Spent (USD)",
    ]
    lines = [[r[1], r[2], r[4], r[5], *(D(str(v)) for v in r[6:])] for r in table[1:-1]]
    assert lines == [
        # EUR 6,998,964 at the December 2016 rate 1.05; EUR 4,000,000 at January 2020's 1.11.
        ["EU-FPI-PACT-KP", "P1-PACT-KP", "XM-DAC-41128-P1-PACT-KP", "EUR"]
        + [D("6998964"), D("0"), D("7348912.20"), D("0")],
        ["EU-PACT-SINDH", "P2-PACT-SD", "XM-DAC-41128-P2-PACT-SD", "EUR"]
        + [D("4000000"), D("0"), D("4440000"), D("0")],
        ["GAC-UNODC-SP4", "P7-GAC-CT", "XM-DAC-41128-P7-GAC-CT", "CAD"]
        + [D("2400000"), GAC_P7_SPENT_CAD, D("1872000"), GAC_P7_SPENT_USD],
        ["INL-UNODC-PTP", "P7-GAC-CT", "XM-DAC-41128-P7-GAC-CT", "USD"]
        + [D("300000"), INL_P7_SPENT_USD, D("300000"), INL_P7_SPENT_USD],
        # P8: 61,200 + 35,500 + 27,400 spent up to August 2023.
        ["INL-UNODC-PTP", "P8-INL-PTP", "XM-DAC-41128-P8-INL-PTP", "USD"]
        + [D("1500000"), D("124100"), D("1500000"), D("124100")],
        # P3: 118,700 + 96,400.
        ["JPN-2018-UNODC-PAK", "P3-JP-CTF", "XM-DAC-41128-P3-JP-CTF", "USD"]
        + [D("500000"), D("215100"), D("500000"), D("215100")],
        ["JPN-2018-UNODC-PAK", "P4-JP-FSL", "XM-DAC-41128-P4-JP-FSL", "USD"]
        + [D("300000"), D("0"), D("300000"), D("0")],
        ["JPN-2018-UNODC-PAK", "P5-JP-ACCU", "XM-DAC-41128-P5-JP-ACCU", "USD"]
        + [D("385600"), D("0"), D("385600"), D("0")],
        ["JPN-2018-UNODC-PAK", "P6-JP-TOC", "XM-DAC-41128-P6-JP-TOC", "USD"]
        + [D("2545335"), D("0"), D("2545335"), D("0")],
    ]
    assert (
        D("351845.07"),
        D("451083.43"),
        D("56385.43"),
    ) == (GAC_P7_SPENT_USD, GAC_P7_SPENT_CAD, INL_P7_SPENT_USD)
    assert table[1][3] == (
        "Pakistan's Action to Counter Terrorism (PACT), with special reference to "
        "Khyber Pakhtunkhwa"
    )
    # The project lines add up to the agreements' own spent figures.
    agreements = rows(book["Agreements USD"])
    spent = agreements[0].index("Spent (USD)")
    for agreement in agreements[1:-1]:
        attributed = sum(D(str(r[9])) for r in table[1:-1] if r[1] == agreement[1])
        assert attributed == D(str(agreement[spent])), agreement[1]

    text = _flat(pdf_text(report))
    assert (
        "P7-GAC-CT Counter-terrorism investigation and prosecution capacity "
        "XM-DAC-41128-P7-GAC-CT CAD 2,400,000.00 451,083.43 1,872,000.00 351,845.07"
    ) in text
    assert "XM-DAC-41128-P8-INL-PTP USD 1,500,000.00 124,100.00 1,500,000.00 124,100.00" in text


@pytest.mark.django_db
def test_budget_against_actual_counts_spending_up_to_the_periods_end_only(users):
    report = _report("2023-02", users["manager"], donor="GAC")

    table = rows(workbook(report)["Budget against actual"])
    assert table[0] == [
        "Donor",
        "Project",
        "Year",
        "Category",
        "Currency",
        "Budget",
        "Budget (USD)",
        "Spent to date (USD)",
        "Balance (USD)",
    ]
    staff, training = "Staff and personnel", "Training, workshops and meetings"
    equipment, psc = "Equipment and supplies", "Programme support costs"
    # Spent by 28 Feb 2023: staff 118,000 (31 Dec 2022, no 2022 budget line) and the first
    # workshop, 48,250 (23 Feb 2023); the March and May spending is not counted yet.
    assert [
        [r[2], r[3], *(None if v is None else D(str(v)) for v in r[5:])] for r in table[1:-1]
    ] == [
        [2022, staff, None, None, D("118000"), D("-118000")],
        [2023, staff, D("250000"), D("250000"), D("0"), D("250000")],
        [2023, training, D("420000"), D("420000"), D("48250"), D("371750")],
        [2023, equipment, D("300000"), D("300000"), D("0"), D("300000")],
        [2023, psc, D("110000"), D("110000"), D("0"), D("110000")],
        [2024, staff, D("260000"), D("260000"), D("0"), D("260000")],
        [2024, training, D("380000"), D("380000"), D("0"), D("380000")],
    ]
    assert {(r[0], r[1], r[4]) for r in table[1:-1]} == {("GAC", "P7-GAC-CT", "USD")}
    assert [D(str(v)) for v in table[-1][6:]] == [D("1720000"), D("166250"), D("1553750")]
    text = _flat(pdf_text(report))
    training_2023 = "P7-GAC-CT 2023 Training, workshops and meetings USD 420,000.00"
    assert f"{training_2023} 420,000.00 48,250.00 371,750.00" in text
    assert "Total USD 1,720,000.00 166,250.00 1,553,750.00" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("donor", "own", "others"),
    [
        (
            "GAC",
            ["GAC-UNODC-SP4", "P7-GAC-CT", "351,845.07", "624,000.00"],
            [
                "INL",
                "US Department",
                "Japan",
                "European Union",
                "EU-",
                str(INL_P7_SPENT_USD),
                "56,385.43",
                "124,100.00",
            ],
        ),
        (
            "INL",
            ["INL-UNODC-PTP", "P7-GAC-CT", "56,385.43", "600,000.00"],
            [
                "GAC-UNODC-SP4",
                "Global Affairs Canada",
                "Canada",
                "CAD",
                "Japan",
                "EU-",
                "351,845.07",
                str(GAC_P7_SPENT_USD),
                "624,000.00",
                "30 Sep 2023",
            ],
        ),
    ],
)
def test_a_donors_details_never_show_another_donors_agreements_or_figures(
    users, donor, own, others
):
    report = _report("2023-08", users["manager"], donor=donor)

    cells = _cells(workbook(report))
    text = _flat(pdf_text(report))
    for needle in own:
        assert needle in text, needle
    for needle in others:
        assert needle not in cells, needle
        assert needle not in text, needle
    projects = rows(workbook(report)["Projects"])
    assert {r[0] for r in projects[1:-1]} == {donor}
