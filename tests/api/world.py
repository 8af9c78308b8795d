"""A small, exact world for the API tests: two sub-programmes, two donors each funding one
project, a counterpart leading activities of an approved workplan version (with a draft
revision), another counterpart, and one user per role. Every object is named, so tests
state exactly which ids each role gets."""

import datetime
from dataclasses import dataclass, field

from organisations.models import Organisation, Role
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    AllocationFactory,
    BudgetLineFactory,
    CountryProgrammeFactory,
    DisbursementFactory,
    DonorFactory,
    EwgMeetingFactory,
    ExchangeRateFactory,
    ExpenditureFactory,
    FundingAgreementFactory,
    ImplementerFactory,
    IndicatorFactory,
    OrganisationFactory,
    OutcomeFactory,
    OutputFactory,
    ProgressUpdateFactory,
    ProjectFactory,
    SubProgrammeFactory,
    WorkplanFactory,
    WorkplanVersionFactory,
    user_with_role,
)
from workplans.models import ProgressUpdate

ROLES = [
    "anonymous",
    "manager",
    "ewg",
    "counterpart",
    "other_counterpart",
    "donor_a",
    "donor_b",
    "administrator",
]


@dataclass
class World:
    objects: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError:
            raise AttributeError(name) from None

    def pk(self, name: str) -> int:
        return self.objects[name].pk


def build_world() -> World:
    w = World()
    o = w.objects
    unodc = ImplementerFactory()
    o["programme"] = programme = CountryProgrammeFactory()
    o["sp"] = SubProgrammeFactory(programme=programme, code="SP-IV")
    o["other_sp"] = SubProgrammeFactory(programme=programme, code="SP-I", title="Trafficking")
    o["lead"] = OrganisationFactory(short_name="NACTA", name="NACTA")
    o["other_org"] = OrganisationFactory(short_name="CTD-Sindh", name="CTD Sindh")
    o["donor_a"] = DonorFactory(short_name="Japan", name="Government of Japan")
    o["donor_b"] = DonorFactory(short_name="EU", name="European Union")

    o["project_a"] = ProjectFactory(code="PA", sub_programme=o["sp"])
    o["project_a"].counterparts.add(o["lead"])
    o["project_b"] = ProjectFactory(code="PB", sub_programme=o["other_sp"])
    o["project_b"].counterparts.add(o["other_org"])

    o["rate"] = ExchangeRateFactory(currency="EUR", month=datetime.date(2023, 1, 1))
    o["agreement_a"] = FundingAgreementFactory(
        donor=o["donor_a"], implementer=unodc, reference="AGR-A"
    )
    o["agreement_b"] = FundingAgreementFactory(
        donor=o["donor_b"], implementer=unodc, reference="AGR-B"
    )
    o["allocation_a"] = AllocationFactory(agreement=o["agreement_a"], project=o["project_a"])
    o["allocation_b"] = AllocationFactory(agreement=o["agreement_b"], project=o["project_b"])
    o["disbursement_a"] = DisbursementFactory(agreement=o["agreement_a"])
    o["disbursement_b"] = DisbursementFactory(agreement=o["agreement_b"])
    o["budget_a"] = BudgetLineFactory(project=o["project_a"])
    o["budget_b"] = BudgetLineFactory(project=o["project_b"])
    o["expenditure_a"] = ExpenditureFactory(project=o["project_a"])
    o["expenditure_b"] = ExpenditureFactory(project=o["project_b"])

    o["outcome_sp"] = OutcomeFactory(sub_programme=o["sp"], code="Oc1")
    o["output_sp"] = OutputFactory(outcome=o["outcome_sp"], code="Op1.1")
    o["indicator_sp"] = IndicatorFactory(output=o["output_sp"], code="I1")
    o["outcome_b"] = OutcomeFactory(sub_programme=o["other_sp"], project=o["project_b"], code="B1")
    o["output_b"] = OutputFactory(outcome=o["outcome_b"], code="OpB")
    o["indicator_b"] = IndicatorFactory(output=o["output_b"], code="IB")

    o["workplan"] = WorkplanFactory(sub_programme=o["sp"], code="WP-1")
    o["approved"] = WorkplanVersionFactory(workplan=o["workplan"], number=1, status="approved")
    o["draft"] = WorkplanVersionFactory(
        workplan=o["workplan"], number=2, status="draft", based_on=o["approved"]
    )
    o["activity_lead"] = ActivityFactory(
        version=o["approved"],
        code="A1",
        output=o["output_sp"],
        lead_counterpart=o["lead"],
        project=o["project_a"],
    )
    ActivityTargetFactory(activity=o["activity_lead"], indicator=o["indicator_sp"], quarter=1)
    o["activity_other"] = ActivityFactory(
        version=o["approved"], code="A2", output=o["output_sp"], lead_counterpart=o["other_org"]
    )
    o["activity_draft"] = ActivityFactory(
        version=o["draft"], code="A1", output=o["output_sp"], lead_counterpart=o["lead"]
    )
    o["meeting"] = EwgMeetingFactory(sub_programme=o["sp"])

    w.users = {
        "anonymous": None,
        "manager": user_with_role(Role.PROGRAMME_MANAGER, username="manager"),
        "ewg": user_with_role(Role.EWG_SECRETARIAT, username="ewg"),
        "counterpart": user_with_role(
            Role.COUNTERPART_STAFF, organisation=o["lead"], username="nacta"
        ),
        "other_counterpart": user_with_role(
            Role.COUNTERPART_STAFF, organisation=o["other_org"], username="ctd"
        ),
        "donor_a": user_with_role(Role.DONOR_VIEWER, organisation=o["donor_a"], username="japan"),
        "donor_b": user_with_role(Role.DONOR_VIEWER, organisation=o["donor_b"], username="eu"),
        "administrator": user_with_role(Role.ADMINISTRATOR, username="admin"),
    }
    verified = ProgressUpdate.State.VERIFIED
    o["update_draft"] = ProgressUpdateFactory(
        activity=o["activity_lead"], quarter=2, author=w.users["counterpart"]
    )
    o["update_verified"] = ProgressUpdateFactory(
        activity=o["activity_lead"],
        quarter=1,
        state=verified,
        status="completed",
        percent_complete=100,
        author=w.users["counterpart"],
    )
    o["update_other"] = ProgressUpdateFactory(
        activity=o["activity_other"],
        quarter=1,
        state=verified,
        author=w.users["other_counterpart"],
        percent_complete=40,
    )
    o["organisations"] = list(Organisation.objects.order_by("pk"))
    return w
