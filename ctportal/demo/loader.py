"""Loads the demo dataset through the same services the pages use.

Idempotent: each record is looked up by its natural key first and only created when
missing, so a second run writes nothing (no rows, no history). Each write is dated on the
day its event happened (an agreement on its signing, a receipt on its day), so the
history pages tell the demo's own story of 2016-2023.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from alerts.services import silenced
from ctportal.demo import data
from ctportal.demo.replay import happened, moment
from ctportal.demo.workplan import WorkplanSteps
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
    NapArea,
    Project,
    Province,
    SubProgramme,
)

User = get_user_model()


def project_recorded_on(code: str, start: dt.date) -> dt.date:
    """A project is on record by its start, or earlier when an agreement signed before
    then already funds it."""
    signed = [
        agreement[5]
        for agreement in data.AGREEMENTS
        if any(project == code for project, _ in agreement[9])
    ]
    return min([start, *signed])


class DemoLoader(WorkplanSteps):
    def __init__(self) -> None:
        self.created: dict[tuple[str, str], int] = {}

    def _count(self, noun: str, plural: str = "") -> None:
        """One more `noun` written; keyed by (singular, plural) so that the command says
        "1 workplan" and "2 workplans"."""
        key = (noun, plural or f"{noun}s")
        self.created[key] = self.created.get(key, 0) + 1

    @transaction.atomic
    def run(self) -> dict[tuple[str, str], int]:
        # A replay of years past: nobody is to be alerted today of what it records.
        with silenced():
            return self._run()

    def _run(self) -> dict[tuple[str, str], int]:
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
                self._count("organisation")
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
                self._count("user")
            self.users_by_name[username] = user
        self.manager = self.users_by_name["manager"]

    def reference_data(self) -> None:
        for code, name in data.PROVINCES:
            _, created = Province.objects.get_or_create(code=code, defaults={"name": name})
            if created:
                self._count("province")
        for number, title in enumerate(data.NAP_2014, start=1):
            _, created = NapArea.objects.get_or_create(
                version="2014", number=number, defaults={"title": title}
            )
            if created:
                self._count("NAP area")
        for currency, month, rate in data.EXCHANGE_RATES:
            if not ExchangeRate.objects.filter(currency=currency, month=month).exists():
                # UN operational rates are published for the month, on its first day.
                with happened(moment(month, hour=9), by=self.manager):
                    project_services.exchange_rate_set(
                        currency=currency,
                        month=month,
                        usd_per_unit=rate,
                        source=data.RATE_SOURCE,
                        user=self.manager,
                    )
                self._count("exchange rate")

    # --- programme structure ----------------------------------------------------------
    def programmes(self) -> None:
        self.sps = {}
        for code, title, start, end, notes, sub_programmes in data.PROGRAMMES:
            programme, created = CountryProgramme.objects.get_or_create(
                code=code,
                defaults={"title": title, "start_date": start, "end_date": end, "notes": notes},
            )
            if created:
                self._count("programme")
            for sp_code, sp_title in sub_programmes:
                sp, created = SubProgramme.objects.get_or_create(
                    programme=programme, code=sp_code, defaults={"title": sp_title}
                )
                if created:
                    self._count("sub-programme")
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
                with happened(moment(project_recorded_on(code, start)), by=self.manager):
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
                self._count("project")
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
            # The agreement, its split between projects and its tranches' plan are
            # recorded the day it is signed; each receipt on the day the money arrives.
            at_signing = moment(signed, hour=11)
            agreement = FundingAgreement.objects.filter(reference=reference).first()
            if agreement is None:
                with happened(at_signing, by=self.manager):
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
                self._count("agreement")
            for project_code, allocated in allocations:
                project = self.projects_by_code[project_code]
                if not Allocation.objects.filter(agreement=agreement, project=project).exists():
                    with happened(at_signing, by=self.manager):
                        donor_services.allocation_create(
                            agreement=agreement,
                            project=project,
                            amount=allocated,
                            user=self.manager,
                        )
                    self._count("allocation")
            for planned_date, planned_amount, received_date in tranches:
                self.tranche(agreement, at_signing, planned_date, planned_amount, received_date)
        for code, category, year, amount in data.BUDGET_LINES:
            project = self.projects_by_code[code]
            if not BudgetLine.objects.filter(
                project=project, category=category, year=year
            ).exists():
                # Every year's budget is set when the project is put on record.
                at = moment(project_recorded_on(code, project.start_date), hour=12)
                with happened(at, by=self.manager):
                    project_services.budget_line_set(
                        project=project,
                        category=category,
                        year=year,
                        amount=amount,
                        currency="USD",
                        user=self.manager,
                    )
                self._count("budget line")
        for code, category, spent_on, currency, amount, description in data.EXPENDITURES:
            project = self.projects_by_code[code]
            description = f"{description} ({data.ILL})"
            if not Expenditure.objects.filter(
                project=project, spent_on=spent_on, description=description
            ).exists():
                with happened(moment(spent_on, hour=16), by=self.manager):
                    project_services.expenditure_create(
                        project=project,
                        category=category,
                        spent_on=spent_on,
                        amount=amount,
                        currency=currency,
                        description=description,
                        user=self.manager,
                    )
                self._count("expenditure")

    def tranche(
        self,
        agreement: FundingAgreement,
        at_signing: dt.datetime,
        planned_date: dt.date,
        planned_amount: Decimal,
        received_date: dt.date | None,
    ) -> None:
        """Planned when the agreement is signed; received on its day."""
        tranche = Disbursement.objects.filter(agreement=agreement, planned_date=planned_date)
        tranche = tranche.first()
        if tranche is None:
            with happened(at_signing, by=self.manager):
                tranche = donor_services.disbursement_create(
                    agreement=agreement,
                    planned_date=planned_date,
                    planned_amount=planned_amount,
                    notes=data.ILL,
                    user=self.manager,
                )
            self._count("disbursement")
        if received_date and tranche.received_date is None:
            with happened(moment(received_date, hour=12), by=self.manager):
                donor_services.disbursement_receive(
                    disbursement=tranche,
                    received_date=received_date,
                    received_amount=planned_amount,
                    user=self.manager,
                )
            self._count("receipt")
