"""The `iati-activities` 2.03 document, streamed one activity at a time.

Elements follow the schema's sequence; every code is read from the official codelists
(reports.iati.codelists), by code or by official name. Transactions are UNODC's side of
the money: each funder's allocation is an Incoming Commitment (on the agreement's signing
date), its share of each received tranche Incoming Funds, and the project's spending
Expenditure, each value with its own currency and value date.
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils import timezone
from lxml import etree

from organisations.models import Organisation
from projects.models import Project
from reports.iati.codelists import code, codelist
from reports.iati.readiness import budget_period, project_gaps
from reports.iati.selectors import (
    REPORTING_ORG_REF,
    ActivityRecord,
    activity_identifier,
    activity_records,
    reporting_org,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGE = "en"
# The programme's country: Pakistan (ISO 3166-1 alpha-2), checked against the Country list.
RECIPIENT_COUNTRY = "PK"
DEFAULT_CURRENCY = "USD"
VERSION = "2.03"


def _text(parent: etree._Element, tag: str, text: str, **attrs) -> etree._Element:
    element = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    etree.SubElement(element, "narrative").text = text
    return element


def _date(parent: etree._Element, tag: str, day: datetime.date, **attrs) -> etree._Element:
    return etree.SubElement(parent, tag, {"iso-date": day.isoformat(), **attrs})


def _amount(value: Decimal) -> str:
    return format(value, "f")


def _org(parent, tag: str, org: Organisation | None, name: str, **attrs) -> etree._Element:
    """An organisation element: its identifier only where one is recorded (else by name),
    its type only where the OrganisationType list holds it."""
    values = {k.replace("_", "-"): v for k, v in attrs.items()}
    if org is not None and org.iati_identifier:
        values["ref"] = org.iati_identifier
    if org is not None and org.iati_type and org.iati_type in codelist("OrganisationType"):
        values["type"] = org.iati_type
    element = etree.SubElement(parent, tag, values)
    etree.SubElement(element, "narrative").text = name
    return element


class ActivityBuilder:
    """Builds one `iati-activity` element per ActivityRecord."""

    def __init__(self, *, reporter: Organisation | None, today: datetime.date):
        self.reporter = reporter
        self.reporter_name = (
            reporter.name if reporter else codelist("CRSChannelCode").name_of("41128")
        )
        self.today = today
        self.role = {
            name: code("OrganisationRole", name)
            for name in ("Funding", "Accountable", "Implementing")
        }
        self.date_type = {
            name: code("ActivityDateType", name)
            for name in ("Planned start", "Actual start", "Planned End", "Actual end")
        }
        self.transaction_type = {
            name: code("TransactionType", name)
            for name in ("Incoming Commitment", "Incoming Funds", "Expenditure")
        }
        codelist("Language").check(LANGUAGE)
        codelist("Country").check(RECIPIENT_COUNTRY)
        codelist("Currency").check(DEFAULT_CURRENCY)

    def _reporter(self, parent, tag: str, **attrs) -> etree._Element:
        element = _org(parent, tag, self.reporter, self.reporter_name, **attrs)
        element.set("ref", REPORTING_ORG_REF)
        if "type" not in element.attrib:
            element.set("type", code("OrganisationType", "Multilateral"))
        return element

    def build(self, record: ActivityRecord) -> etree._Element:
        project = record.project
        activity = etree.Element(
            "iati-activity",
            {
                "last-updated-datetime": min(project.updated_at, timezone.now())
                .replace(microsecond=0)
                .isoformat(),
                XML_LANG: LANGUAGE,
                "default-currency": DEFAULT_CURRENCY,
            },
        )
        etree.SubElement(activity, "iati-identifier").text = activity_identifier(project)
        self._reporter(activity, "reporting-org")
        _text(activity, "title", project.title)
        _text(
            activity,
            "description",
            project.description.strip() or _general_description(project, self.reporter_name),
            type=code("DescriptionType", "General"),
        )
        self._participants(activity, record)
        etree.SubElement(
            activity, "activity-status", code=codelist("ActivityStatus").check(project.status)
        )
        self._dates(activity, project)
        etree.SubElement(activity, "recipient-country", code=RECIPIENT_COUNTRY)
        for province in project.provinces.all():
            location = etree.SubElement(activity, "location", ref=province.code)
            _text(location, "name", province.name)
        etree.SubElement(activity, "sector", code=codelist("Sector").check(project.dac_sector))
        self._budgets(activity, record)
        self._transactions(activity, record)
        self._results(activity, record)
        return activity

    def _participants(self, activity, record: ActivityRecord) -> None:
        donors = {a.agreement.donor_id: a.agreement.donor for a in record.allocations}
        for donor in donors.values():
            _org(activity, "participating-org", donor, donor.name, role=self.role["Funding"])
        self._reporter(activity, "participating-org", role=self.role["Accountable"])
        self._reporter(activity, "participating-org", role=self.role["Implementing"])
        for counterpart in record.project.counterparts.all():
            _org(
                activity,
                "participating-org",
                counterpart,
                counterpart.name,
                role=self.role["Implementing"],
            )

    def _dates(self, activity, project: Project) -> None:
        started = project.status != Project.Status.PIPELINE and project.start_date <= self.today
        ended = project.status == Project.Status.CLOSED and project.end_date <= self.today
        kinds = self.date_type
        _date(activity, "activity-date", project.start_date, type=kinds["Planned start"])
        if started:
            _date(activity, "activity-date", project.start_date, type=kinds["Actual start"])
        _date(activity, "activity-date", project.end_date, type=kinds["Planned End"])
        if started and ended:
            _date(activity, "activity-date", project.end_date, type=kinds["Actual end"])

    def _budgets(self, activity, record: ActivityRecord) -> None:
        totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
        for line in record.budget_lines:
            totals[(line.year, line.currency)] += line.amount
        for (year, currency), amount in sorted(totals.items()):
            period = budget_period(year=year, currency=currency, project=record.project)
            budget = etree.SubElement(
                activity,
                "budget",
                type=code("BudgetType", "Original"),
                status=code("BudgetStatus", "Indicative"),
            )
            _date(budget, "period-start", period.start)
            _date(budget, "period-end", period.end)
            value = etree.SubElement(
                budget,
                "value",
                currency=codelist("Currency").check(currency),
                **{"value-date": period.start.isoformat()},
            )
            value.text = _amount(amount)

    def _transaction(self, activity, kind: str, *, day, amount, currency, description=""):
        transaction = etree.SubElement(activity, "transaction")
        etree.SubElement(transaction, "transaction-type", code=self.transaction_type[kind])
        _date(transaction, "transaction-date", day)
        value = etree.SubElement(
            transaction,
            "value",
            currency=codelist("Currency").check(currency),
            **{"value-date": day.isoformat()},
        )
        value.text = _amount(amount)
        if description:
            _text(transaction, "description", description)
        return transaction

    def _transactions(self, activity, record: ActivityRecord) -> None:
        for allocation in record.allocations:
            agreement = allocation.agreement
            transaction = self._transaction(
                activity,
                "Incoming Commitment",
                day=agreement.signed_on,
                amount=allocation.amount,
                currency=agreement.currency,
                description=agreement.title,
            )
            _org(transaction, "provider-org", agreement.donor, agreement.donor.name)
            self._reporter(transaction, "receiver-org")
        for receipt in record.receipts:
            transaction = self._transaction(
                activity,
                "Incoming Funds",
                day=receipt.date,
                amount=receipt.amount,
                currency=receipt.currency,
            )
            _org(transaction, "provider-org", receipt.donor, receipt.donor.name)
            self._reporter(transaction, "receiver-org")
        for row in record.expenditures:
            transaction = self._transaction(
                activity,
                "Expenditure",
                day=row.spent_on,
                amount=row.amount,
                currency=row.currency,
                description=row.description,
            )
            self._reporter(transaction, "provider-org")

    def _results(self, activity, record: ActivityRecord) -> None:
        project = record.project
        output_type = code("ResultType", "Output")
        for outcome in record.outcomes:
            for output in outcome.outputs.all():
                indicators = list(output.indicators.all())
                if not indicators:
                    continue  # an IATI result needs at least one indicator
                result = etree.SubElement(activity, "result", type=output_type)
                _text(result, "title", f"{output.code} {output.title}")
                _text(result, "description", f"Contributes to {outcome.code} {outcome.title}")
                for indicator in indicators:
                    self._indicator(
                        result, indicator, record.actuals.get(indicator.pk, []), project=project
                    )

    def _indicator(self, result, indicator, actuals, *, project: Project) -> None:
        percent = "%" in indicator.unit or "percent" in indicator.unit.lower()
        element = etree.SubElement(
            result,
            "indicator",
            measure=code("IndicatorMeasure", "Percentage" if percent else "Unit"),
        )
        _text(element, "title", f"{indicator.code} {indicator.title} ({indicator.unit})")
        # The baseline is the value when the project started.
        etree.SubElement(
            element,
            "baseline",
            year=str(project.start_date.year),
            value=_amount(indicator.baseline),
        )
        # The target is the project's, over its whole period; verified actuals per quarter.
        whole = etree.SubElement(element, "period")
        _date(whole, "period-start", project.start_date)
        _date(whole, "period-end", project.end_date)
        etree.SubElement(whole, "target", value=_amount(indicator.target))
        by_quarter: dict[tuple, Decimal] = defaultdict(Decimal)
        for actual in actuals:
            by_quarter[(actual.start, actual.end)] += actual.value
        for (start, end), value in sorted(by_quarter.items()):
            period = etree.SubElement(element, "period")
            _date(period, "period-start", start)
            _date(period, "period-end", end)
            etree.SubElement(period, "actual", value=_amount(value))


def _general_description(project: Project, reporter_name: str) -> str:
    """A general description from the project's own fields, where none is written."""
    counterparts = ", ".join(org.name for org in project.counterparts.all())
    provinces = ", ".join(p.name for p in project.provinces.all())
    parts = [f"{project.title}, implemented by {reporter_name}"]
    if counterparts:
        parts.append(f" with {counterparts}")
    if provinces:
        parts.append(f", in {provinces}")
    return "".join(parts) + "."


def activities_xml(
    records: Iterable[ActivityRecord], *, reporter: Organisation | None, today: datetime.date
) -> Iterator[bytes]:
    """The document, piece by piece: the header, one activity per ready record (a record
    with gaps is left out; reports.iati.readiness lists it), the footer."""
    builder = ActivityBuilder(reporter=reporter, today=today)
    generated = timezone.now().replace(microsecond=0).isoformat()
    yield (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + f'<iati-activities version="{VERSION}" generated-datetime="{generated}">\n'.encode()
    )
    for record in records:
        if project_gaps(record, today=today):
            continue
        yield etree.tostring(builder.build(record), encoding="UTF-8", pretty_print=True)
    yield b"</iati-activities>\n"


def iati_activities_stream(
    *, user, filters=None, projects=None, today: datetime.date | None = None
) -> Iterator[bytes]:
    """The IATI document of the projects `user` may export (the project list's filters),
    read and written a chunk of projects at a time."""
    return activities_xml(
        activity_records(user=user, filters=filters, projects=projects),
        reporter=reporting_org(),
        today=today or timezone.localdate(),
    )
