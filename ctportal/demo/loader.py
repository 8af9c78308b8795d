"""Loads the demo dataset through the same services the pages use.

Idempotent: each record is looked up by its natural key first and only created when
missing, so a second run writes nothing (no rows, no history).
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from ctportal.demo import data
from donors import services as donor_services
from donors.models import Allocation, Disbursement, FundingAgreement
from organisations import services as org_services
from organisations.models import Organisation
from projects import services as project_services
from projects.models import (
    BudgetLine,
    CountryProgramme,
    ExchangeRate,
    Expenditure,
    Indicator,
    NapArea,
    Outcome,
    Output,
    Project,
    Province,
    SubProgramme,
)
from workplans import services as wp_services
from workplans.models import (
    Activity,
    EwgMeeting,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)

User = get_user_model()


class DemoLoader:
    def __init__(self) -> None:
        self.created: dict[str, int] = {}

    def _count(self, what: str) -> None:
        self.created[what] = self.created.get(what, 0) + 1

    @transaction.atomic
    def run(self) -> dict[str, int]:
        self.organisations()
        self.users()
        self.reference_data()
        self.programmes()
        self.projects()
        self.money()
        self.results_framework()
        self.workplan()
        self.progress()
        return self.created

    # --- people and organisations ------------------------------------------------
    def organisations(self) -> None:
        self.orgs = {}
        for short, name, kind, iati, iati_type, notes in data.ORGANISATIONS:
            org = Organisation.objects.filter(short_name=short).first()
            if org is None:
                org = org_services.organisation_create(
                    name=name,
                    short_name=short,
                    kind=kind,
                    iati_identifier=iati,
                    iati_type=iati_type,
                    notes=notes,
                )
                self._count("organisations")
            self.orgs[short] = org

    def users(self) -> None:
        self.users_by_name = {}
        for username, first, last, org, role in data.USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = org_services.user_create_with_role(
                    username=username,
                    email=f"{username}@ctportal.example",
                    first_name=first,
                    last_name=last,
                    password=data.DEMO_PASSWORD,
                    organisation=self.orgs[org],
                    role=role,
                )
                self._count("users")
            self.users_by_name[username] = user
        self.manager = self.users_by_name["manager"]

    def reference_data(self) -> None:
        for code, name in data.PROVINCES:
            _, created = Province.objects.get_or_create(code=code, defaults={"name": name})
            if created:
                self._count("provinces")
        for number, title in enumerate(data.NAP_2014, start=1):
            _, created = NapArea.objects.get_or_create(
                version="2014", number=number, defaults={"title": title}
            )
            if created:
                self._count("nap areas")
        for currency, month, rate in data.EXCHANGE_RATES:
            if not ExchangeRate.objects.filter(currency=currency, month=month).exists():
                project_services.exchange_rate_set(
                    currency=currency,
                    month=month,
                    usd_per_unit=rate,
                    source=data.RATE_SOURCE,
                    user=self.manager,
                )
                self._count("exchange rates")

    # --- programme structure ----------------------------------------------------------
    def programmes(self) -> None:
        self.sps = {}
        for code, title, start, end, notes, sub_programmes in data.PROGRAMMES:
            programme, created = CountryProgramme.objects.get_or_create(
                code=code,
                defaults={"title": title, "start_date": start, "end_date": end, "notes": notes},
            )
            if created:
                self._count("programmes")
            for sp_code, sp_title in sub_programmes:
                sp, created = SubProgramme.objects.get_or_create(
                    programme=programme, code=sp_code, defaults={"title": sp_title}
                )
                if created:
                    self._count("sub-programmes")
                self.sps[(code, sp_code)] = sp

    def projects(self) -> None:
        self.projects_by_code = {}
        for (
            code,
            title,
            sp,
            start,
            end,
            status,
            provinces,
            counterparts,
            dac,
            nap,
            notes,
        ) in data.PROJECTS:
            project = Project.objects.filter(code=code).first()
            if project is None:
                project = project_services.project_create(
                    code=code,
                    title=title,
                    sub_programme=self.sps[sp],
                    start_date=start,
                    end_date=end,
                    status=status,
                    dac_sector=dac,
                    notes=notes,
                    provinces=list(Province.objects.filter(code__in=provinces)),
                    counterparts=[self.orgs[c] for c in counterparts],
                    nap_areas=list(NapArea.objects.filter(version="2014", number__in=nap)),
                    user=self.manager,
                )
                self._count("projects")
            self.projects_by_code[code] = project

    # --- money ------------------------------------------------------------------------
    def money(self) -> None:
        for (
            reference,
            donor,
            title,
            currency,
            amount,
            signed,
            start,
            end,
            notes,
            allocations,
            tranches,
        ) in data.AGREEMENTS:
            agreement = FundingAgreement.objects.filter(reference=reference).first()
            if agreement is None:
                agreement = donor_services.agreement_create(
                    donor=self.orgs[donor],
                    implementer=self.orgs["UNODC"],
                    reference=reference,
                    title=title,
                    currency=currency,
                    amount=amount,
                    signed_on=signed,
                    start_date=start,
                    end_date=end,
                    notes=notes,
                    user=self.manager,
                )
                self._count("agreements")
            for project_code, allocated in allocations:
                project = self.projects_by_code[project_code]
                if not Allocation.objects.filter(agreement=agreement, project=project).exists():
                    donor_services.allocation_create(
                        agreement=agreement, project=project, amount=allocated, user=self.manager
                    )
                    self._count("allocations")
            for planned_date, planned_amount, received_date in tranches:
                if Disbursement.objects.filter(
                    agreement=agreement, planned_date=planned_date
                ).exists():
                    continue
                donor_services.disbursement_create(
                    agreement=agreement,
                    planned_date=planned_date,
                    planned_amount=planned_amount,
                    received_date=received_date,
                    received_amount=planned_amount if received_date else None,
                    notes=data.ILL,
                    user=self.manager,
                )
                self._count("disbursements")
        for code, category, year, amount in data.BUDGET_LINES:
            project = self.projects_by_code[code]
            if not BudgetLine.objects.filter(
                project=project, category=category, year=year
            ).exists():
                project_services.budget_line_set(
                    project=project,
                    category=category,
                    year=year,
                    amount=amount,
                    currency="USD",
                    user=self.manager,
                )
                self._count("budget lines")
        for code, category, spent_on, currency, amount, description in data.EXPENDITURES:
            project = self.projects_by_code[code]
            description = f"{description} ({data.ILL})"
            if not Expenditure.objects.filter(
                project=project, spent_on=spent_on, description=description
            ).exists():
                project_services.expenditure_create(
                    project=project,
                    category=category,
                    spent_on=spent_on,
                    amount=amount,
                    currency=currency,
                    description=description,
                    user=self.manager,
                )
                self._count("expenditures")

    # --- results and workplan ---------------------------------------------------------
    def results_framework(self) -> None:
        sp4 = self.sps[("CP-PAK-III", "SP-IV")]
        self.outputs, self.indicators = {}, {}
        for oc_code, oc_title, outputs in data.RESULTS_SP4:
            outcome = Outcome.objects.filter(sub_programme=sp4, project=None, code=oc_code).first()
            if outcome is None:
                outcome = project_services.outcome_create(
                    sub_programme=sp4, code=oc_code, title=oc_title, user=self.manager
                )
                self._count("outcomes")
            for op_code, op_title, indicators in outputs:
                output = Output.objects.filter(outcome=outcome, code=op_code).first()
                if output is None:
                    output = project_services.output_create(
                        outcome=outcome, code=op_code, title=op_title, user=self.manager
                    )
                    self._count("outputs")
                self.outputs[op_code] = output
                for code, title, unit, baseline, target, by_sex, by_province in indicators:
                    indicator = Indicator.objects.filter(output=output, code=code).first()
                    if indicator is None:
                        indicator = project_services.indicator_create(
                            output=output,
                            code=code,
                            title=title,
                            unit=unit,
                            baseline=Decimal(baseline),
                            target=Decimal(target),
                            by_sex=by_sex,
                            by_province=by_province,
                            user=self.manager,
                        )
                        self._count("indicators")
                    self.indicators[code] = indicator

    def workplan(self) -> None:
        sp4 = self.sps[("CP-PAK-III", "SP-IV")]
        spec = data.WORKPLAN
        workplan = Workplan.objects.filter(code=spec["code"]).first()
        if workplan is None:
            workplan = wp_services.workplan_create(
                sub_programme=sp4,
                code=spec["code"],
                title=spec["title"],
                period_start=spec["period_start"],
                period_end=spec["period_end"],
                user=self.manager,
            )
            self._count("workplans")
        self.version = workplan.versions.order_by("number").first()
        if self.version.is_editable:
            for (
                code,
                title,
                output,
                indicator,
                lead,
                provinces,
                project,
                budget,
                targets,
                basis,
            ) in data.ACTIVITIES:
                if Activity.objects.filter(version=self.version, code=code).exists():
                    continue
                wp_services.activity_create(
                    version=self.version,
                    code=code,
                    title=title,
                    output=self.outputs[output],
                    lead_counterpart=self.orgs[lead],
                    provinces=list(Province.objects.filter(code__in=provinces)),
                    budget=budget,
                    budget_currency="USD",
                    project=self.projects_by_code[project] if project else None,
                    description=basis,
                    targets=[
                        (self.indicators[indicator], q, Decimal(v)) for q, v in targets.items()
                    ],
                    user=self.manager,
                )
                self._count("activities")
            # The demo replays history: the submission happened before the EWG met.
            submitted = dt.datetime.combine(spec["submitted_on"], dt.time(10), dt.UTC)
            self.version = wp_services.version_submit(
                version=self.version, user=self.manager, submitted_at=submitted
            )
        meeting_spec = data.EWG_MEETING
        meeting = EwgMeeting.objects.filter(sub_programme=sp4, date=meeting_spec["date"]).first()
        if meeting is None:
            attendees = [(self.orgs[o], "in_person") for o in meeting_spec["in_person"]]
            attendees += [(self.orgs[o], "video") for o in meeting_spec["video"]]
            meeting = wp_services.meeting_create(
                sub_programme=sp4,
                date=meeting_spec["date"],
                venue=meeting_spec["venue"],
                chair=meeting_spec["chair"],
                chair_organisation=self.orgs[meeting_spec["chair_organisation"]],
                notes=meeting_spec["notes"],
                attendees=attendees,
                decisions=meeting_spec["decisions"],
                user=self.users_by_name["ewg"],
            )
            self._count("EWG meetings")
        if self.version.status == WorkplanVersion.Status.SUBMITTED:
            wp_services.version_approve(
                version=self.version, meeting=meeting, user=self.users_by_name["ewg"]
            )
            self._count("approvals")

    def progress(self) -> None:
        provinces = {p.code: p for p in Province.objects.all()}
        for (
            code,
            quarter,
            author,
            state,
            status,
            percent,
            values,
            narrative,
            challenges,
            comment,
        ) in data.PROGRESS:
            activity = Activity.objects.get(version=self.version, code=code)
            if ProgressUpdate.objects.filter(activity=activity, quarter=quarter).exists():
                continue
            user = self.users_by_name[author]
            update = wp_services.progress_update_save(
                activity=activity,
                quarter=quarter,
                user=user,
                status=status,
                percent_complete=percent,
                narrative=narrative,
                challenges=challenges,
                values=[
                    (self.indicators[i], sex, provinces.get(p), Decimal(v))
                    for i, sex, p, v in values
                ],
            )
            self._count("progress updates")
            if state == "draft":
                continue
            wp_services.progress_update_submit(update=update, user=user)
            if state == "verified":
                wp_services.progress_update_verify(update=update, user=self.manager)
            elif state == "returned":
                wp_services.progress_update_return(
                    update=update, user=self.manager, comment=comment
                )
