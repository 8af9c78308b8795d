"""The IATI 2.03 export of the demo passes the official schema, codelists and rules
(offline, from reports/iati/reference/, an unmodified copy of ../shared/iati/)."""

import filecmp
from pathlib import Path

import pytest
from lxml import etree

from reports.iati import validation
from reports.iati.codelists import VENDORED_DIR, CodelistError
from tests.factories import ProjectFactory, user_with_role
from tests.iati.conftest import TODAY, demo_user, export_of

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "iati"
DEMO_CODES = [
    "P1-PACT-KP",
    "P2-PACT-SD",
    "P3-JP-CTF",
    "P4-JP-FSL",
    "P5-JP-ACCU",
    "P6-JP-TOC",
    "P7-GAC-CT",
    "P8-INL-PTP",
]


def _identifiers(doc) -> list[str]:
    return doc.xpath("//iati-activity/iati-identifier/text()")


def test_the_demo_export_validates_against_the_official_schema(demo_export):
    assert validation.schema_errors(demo_export) == []
    root = demo_export.getroot()
    assert root.tag == "iati-activities"
    assert root.get("version") == "2.03"
    assert _identifiers(demo_export) == [f"XM-DAC-41128-{code}" for code in DEMO_CODES]
    assert set(demo_export.xpath("//iati-activity/reporting-org/@ref")) == {"XM-DAC-41128"}


def test_every_coded_value_of_the_demo_export_is_in_its_codelist(demo_export):
    assert validation.codelist_errors(demo_export) == []
    # The checks do look: each sector and transaction type was checked against its list.
    assert sorted(set(demo_export.xpath("//iati-activity/sector/@code"))) == [
        "15130",
        "15210",
        "16063",
    ]
    assert sorted(set(demo_export.xpath("//transaction/transaction-type/@code")), key=int) == [
        "1",
        "4",
        "11",
    ]


def test_the_demo_export_has_no_error_level_finding_under_the_standard_rules(demo_export):
    findings = validation.rule_findings(demo_export, today=TODAY)
    assert [str(f) for f in findings if f.severity == "error"] == []


def test_the_rules_check_finds_each_error_it_is_asked_about(demo_export):
    """The rules engine is not vacuous: break one thing per rule and it says so."""
    activity = demo_export.getroot()[0]
    del activity.attrib["default-currency"]
    del activity.find("transaction/value").attrib["currency"]
    activity.find("activity-date[@type='2']").set("iso-date", "2999-01-01")
    sector = activity.find("sector")
    sector.set("percentage", "60")
    sector.addnext(etree.Element("sector", code="15210", percentage="30"))
    p3 = "//iati-activity[iati-identifier='XM-DAC-41128-P3-JP-CTF']"
    demo_export.xpath(f"{p3}/budget/period-end")[0].set("iso-date", "2019-12-31")
    findings = validation.rule_findings(demo_export, today=TODAY)
    assert sorted({(f.rule, f.where) for f in findings if f.severity == "error"}) == [
        ("11.1.3", "/iati-activities/iati-activity[1]"),  # actual start after actual end
        ("11.1.4", "/iati-activities/iati-activity[1]"),  # actual start in the future
        ("2.1.2", "/iati-activities/iati-activity[1]"),
        ("7.5.3", "/iati-activities/iati-activity[3]/budget"),
        ("7.8.1", "/iati-activities/iati-activity[1]"),
    ]


def test_the_demo_export_reports_what_each_funder_gave_exactly(demo_export):
    """Japan's one tranche of USD 3,730,935 shared out by allocation: P3's USD 500,000."""
    activity = demo_export.xpath("//iati-activity[iati-identifier='XM-DAC-41128-P3-JP-CTF']")[0]
    commitment, receipt = (
        activity.xpath(f"transaction[transaction-type/@code='{kind}']")[0] for kind in ("11", "1")
    )
    assert commitment.find("value").text == "500000.00"
    assert commitment.find("value").get("currency") == "USD"
    assert receipt.find("value").text == "500000.00"
    assert receipt.find("transaction-date").get("iso-date") == "2018-04-20"
    assert receipt.find("provider-org/narrative").text == (
        "Government of Japan (Ministry of Foreign Affairs)"
    )
    # Japan has no verified IATI identifier: named, never given an invented ref.
    assert receipt.find("provider-org").get("ref") is None
    budgets = [
        (
            b.find("period-start").get("iso-date"),
            b.find("period-end").get("iso-date"),
            b.find("value").text,
        )
        for b in activity.findall("budget")
    ]
    assert budgets == [("2018-04-01", "2018-12-31", "500000.00")]


def test_a_project_without_a_sector_is_reported_before_export_not_exported(db):
    from reports.iati.readiness import iati_readiness_list

    manager = user_with_role("programme_manager")
    ProjectFactory(code="READY")
    ProjectFactory(code="NO-SECTOR", dac_sector="")
    rows = iati_readiness_list(user=manager, today=TODAY)
    assert [(r.code, [g.as_dict() for g in r.gaps]) for r in rows] == [
        (
            "NO-SECTOR",
            [
                {
                    "field": "dac_sector",
                    "code": "no_sector",
                    "message": "No DAC sector (IATI rule 6.2.2: a sector is needed).",
                }
            ],
        ),
        ("READY", []),
    ]
    doc = validation.parse(export_of(manager))
    assert doc.xpath("//iati-identifier/text()") == ["XM-DAC-41128-READY"]
    assert validation.schema_errors(doc) == []


def test_a_donors_export_holds_none_of_another_donors_transactions(demo):
    doc = validation.parse(export_of(demo_user("donor_japan")))
    assert _identifiers(doc) == [
        f"XM-DAC-41128-{code}" for code in ("P3-JP-CTF", "P4-JP-FSL", "P5-JP-ACCU", "P6-JP-TOC")
    ]
    providers = set(doc.xpath("//transaction/provider-org/narrative/text()"))
    assert providers == {
        "Government of Japan (Ministry of Foreign Affairs)",
        "United Nations Office on Drugs and Crime - Country Office Pakistan",
    }
    funders = set(doc.xpath("//participating-org[@role='1']/narrative/text()"))
    assert funders == {"Government of Japan (Ministry of Foreign Affairs)"}
    text = etree.tostring(doc).decode()
    for other in ("European Union", "Global Affairs Canada", "Narcotics and Law", "EU-FPI"):
        assert other not in text


def test_roles_that_never_see_money_export_no_money(demo):
    doc = validation.parse(export_of(demo_user("nacta")))
    assert len(_identifiers(doc)) > 0
    assert doc.xpath("//budget | //transaction | //participating-org[@role='1']") == []
    assert validation.schema_errors(doc) == []


def test_codes_are_read_from_the_codelists_at_run_time(db, settings, tmp_path):
    """A codelist without the entry the export needs stops it: no code is ever invented."""
    copy = tmp_path / "iati"
    import shutil

    shutil.copytree(VENDORED_DIR, copy)
    path = copy / "codelists" / "TransactionType.xml"
    path.write_text(path.read_text().replace("Incoming Commitment", "Something else"))
    settings.IATI_REFERENCE_DIR = str(copy)
    ProjectFactory(code="P")
    with pytest.raises(CodelistError, match="no entry named 'Incoming Commitment'"):
        export_of(user_with_role("programme_manager"))


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/iati/ is not beside the checkout")
def test_the_vendored_reference_files_are_the_shared_ones_unmodified():
    for folder in ("schema", "codelists", "rulesets"):
        names = sorted(p.name for p in (SHARED / folder).iterdir())
        match, mismatch, errors = filecmp.cmpfiles(
            SHARED / folder, VENDORED_DIR / folder, names, shallow=False
        )
        assert (mismatch, errors) == ([], []), folder
        assert match == names
