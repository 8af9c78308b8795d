"""The money side of the scale data: who gives, to what, and what was received and spent.

Rules kept here, as donors/ and projects/ services keep them: planned and received
tranches each total at most the commitment; allocations at most the agreement; every
date inside its agreement's or project's period, no receipt after AS_OF; a rate for
every month and currency used; USD figures per ctportal.figures.USD_POLICY (a plan at
the agreement's rate, a receipt or expenditure at its month's rate).
"""

import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from ctportal.money import quantum, to_usd
from ctportal.scale.profiles import (
    AS_OF,
    BASE_RATES,
    COUNTERPARTS,
    DONOR_CURRENCIES,
    PROVINCES,
    SUB_PROGRAMMES,
    Profile,
    month_rate,
    months_between,
    spread,
)
from ctportal.scale.writer import copy_rows
from donors.models import Allocation, Disbursement, FundingAgreement
from organisations.models import Membership, Organisation, Role
from projects.models import (
    BudgetCategory,
    CountryProgramme,
    ExchangeRate,
    Expenditure,
    Project,
    Province,
    SubProgramme,
)

# Signed in to only by `make bench` (which mints sessions and tokens); never a real secret.
BENCH_PASSWORD = "scale-data-only"
CATEGORIES = [c.value for c in BudgetCategory]
DAY = datetime.timedelta(days=1)


@dataclass
class Built:
    """What later stages need from earlier ones."""

    manager_id: int = 0
    counterpart_ids: list[int] = field(default_factory=list)
    author_by_counterpart: dict[int, int] = field(default_factory=dict)
    sub_programmes: list[SubProgramme] = field(default_factory=list)
    projects_by_sub_programme: dict[int, list[int]] = field(default_factory=dict)
    province_codes: list[str] = field(default_factory=list)


def stamp(day: datetime.date) -> datetime.datetime:
    """A row's created/updated time: noon UTC of its own day, so reruns are identical."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def rate(currency: str, day: datetime.date) -> Decimal:
    return Decimal("1") if currency == "USD" else month_rate(currency, day.replace(day=1))


def build_people(profile: Profile, built: Built) -> list[Organisation]:
    """UNODC, NACTA and other counterparts, the donors, and a user per role to sign in as."""
    for code, name in PROVINCES:
        Province.objects.get_or_create(code=code, defaults={"name": name})
    built.province_codes = [code for code, _ in PROVINCES]
    unodc = Organisation.objects.create(name="UNODC", short_name="UNODC", kind="implementer")
    counterparts = Organisation.objects.bulk_create(
        [Organisation(name="NACTA", short_name="NACTA", kind="counterpart")]
        + [
            Organisation(name=f"Counterpart {i:02d}", short_name=f"CP{i:02d}", kind="counterpart")
            for i in range(1, COUNTERPARTS)
        ]
    )
    donors = Organisation.objects.bulk_create(
        Organisation(name=f"Donor {i:02d}", short_name=f"DONOR{i:02d}", kind="donor")
        for i in range(1, profile.donors + 1)
    )
    password = make_password(BENCH_PASSWORD)  # hashed once: the hasher is slow on purpose
    people = [("bench_manager", unodc, Role.PROGRAMME_MANAGER)]
    people += [(f"bench_{d.short_name.lower()}", d, Role.DONOR_VIEWER) for d in donors]
    people += [(f"bench_{c.short_name.lower()}", c, Role.COUNTERPART_STAFF) for c in counterparts]
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=name, password=password, email=f"{name}@bench.invalid")
        for name, _, _ in people
    )
    Membership.objects.bulk_create(
        Membership(user=user, organisation=org, role=role)
        for user, (_, org, role) in zip(users, people, strict=True)
    )
    built.manager_id = users[0].pk
    built.counterpart_ids = [c.pk for c in counterparts]
    built.author_by_counterpart = {
        org.pk: user.pk
        for user, (_, org, role) in zip(users, people, strict=True)
        if role == Role.COUNTERPART_STAFF
    }
    return [unodc, *donors]


def build_rates(profile: Profile) -> None:
    """A UN rate for every month of the span in every currency paid or spent in."""
    used = sorted({c for c in DONOR_CURRENCIES[: profile.donors] if c != "USD"} | {"PKR"})
    ExchangeRate.objects.bulk_create(
        ExchangeRate(
            currency=currency,
            month=month,
            usd_per_unit=month_rate(currency, month),
            source="Synthetic (generate_scale_data)",
        )
        for currency in used
        for month in months_between(profile.start, profile.end)
    )


def build_agreements(
    profile: Profile, rng: random.Random, unodc: Organisation, donors: list[Organisation]
) -> list[FundingAgreement]:
    """Agreements in turn across donors, each a donor's currency, inside the span."""
    span = (profile.end - profile.start).days
    agreements = []
    for i in range(profile.agreements):
        donor = donors[i % len(donors)]
        currency = DONOR_CURRENCIES[(i % len(donors)) % len(DONOR_CURRENCIES)]
        start = profile.start + rng.randrange(max(1, span - 180)) * DAY
        end = min(start + rng.randrange(730, 1461) * DAY, profile.end)
        usd = Decimal(rng.randrange(2_000_000, 40_000_000))
        unit_rate = BASE_RATES.get(currency, Decimal("1"))
        amount = (usd / unit_rate).quantize(quantum(currency), rounding=ROUND_DOWN)
        signed_rate = rate(currency, start)
        agreements.append(
            FundingAgreement(
                donor=donor,
                implementer=unodc,
                reference=f"SCALE-{i + 1:04d}",
                title=f"Contribution {i + 1} of {donor.short_name}",
                currency=currency,
                amount=amount,
                usd_rate=signed_rate,
                amount_usd=to_usd(amount, signed_rate),
                signed_on=start,
                start_date=start,
                end_date=end,
            )
        )
    return FundingAgreement.objects.bulk_create(agreements)


def build_projects(
    profile: Profile, rng: random.Random, agreements: list[FundingAgreement], built: Built
) -> list[Project]:
    """Projects under five sub-programmes, each funded by one agreement (project j by
    agreement j mod n) and running inside its period; allocations total 80% of each."""
    programme = CountryProgramme.objects.create(
        code="CP-SCALE",
        title="Synthetic country programme",
        start_date=profile.start,
        end_date=profile.end,
    )
    built.sub_programmes = SubProgramme.objects.bulk_create(
        SubProgramme(programme=programme, code=f"SP-{i + 1}", title=f"Sub-programme {i + 1}")
        for i in range(SUB_PROGRAMMES)
    )
    projects = []
    for j in range(profile.projects):
        agreement = agreements[j % len(agreements)]
        start = min(agreement.start_date + rng.randrange(90) * DAY, agreement.end_date)
        projects.append(
            Project(
                code=f"SCALE-{j + 1:05d}",
                title=f"Synthetic project {j + 1}",
                sub_programme=built.sub_programmes[j % SUB_PROGRAMMES],
                start_date=start,
                end_date=agreement.end_date,
                status=(
                    Project.Status.CLOSED
                    if agreement.end_date < AS_OF
                    else Project.Status.IMPLEMENTATION
                ),
                dac_sector="15210",
            )
        )
    projects = Project.objects.bulk_create(projects)
    for project in projects:
        built.projects_by_sub_programme.setdefault(project.sub_programme_id, []).append(project.pk)
    Through = Project.provinces.through
    Through.objects.bulk_create(
        Through(project_id=p.pk, province_id=built.province_codes[k % len(built.province_codes)])
        for k, p in enumerate(projects)
    )
    allocations = []
    for i, agreement in enumerate(agreements):
        funded = projects[i :: len(agreements)]
        if not funded:
            continue
        share = (agreement.amount * Decimal("0.8") / len(funded)).quantize(
            quantum(agreement.currency), rounding=ROUND_DOWN
        )
        allocations += [
            Allocation(
                agreement=agreement,
                project=p,
                amount=share,
                amount_usd=to_usd(share, agreement.usd_rate),
            )
            for p in funded
        ]
    Allocation.objects.bulk_create(allocations)
    return projects


def _tranche_rows(profile: Profile, rng: random.Random, agreements: list[FundingAgreement]):
    next_id = 1
    for agreement, count in zip(
        agreements, spread(profile.disbursements, len(agreements)), strict=True
    ):
        currency, days = agreement.currency, (agreement.end_date - agreement.start_date).days
        # 95% of the commitment planned, in equal tranches rounded down: never past it.
        each = (agreement.amount * Decimal("0.95") / count).quantize(
            quantum(currency), rounding=ROUND_DOWN
        )
        planned_usd = to_usd(each, agreement.usd_rate)
        for k in range(count):
            planned = agreement.start_date + (k * days // count) * DAY
            received_on = received_rate = received_usd = None
            if planned <= AS_OF and rng.random() < 0.88:
                received_on = min(planned + rng.randrange(31) * DAY, agreement.end_date, AS_OF)
                received_rate = rate(currency, received_on)
                received_usd = to_usd(each, received_rate)
            yield (
                next_id,
                stamp(planned),
                stamp(received_on or planned),
                agreement.pk,
                planned,
                each,
                received_on,
                each if received_on else None,
                agreement.usd_rate,
                planned_usd,
                received_rate,
                received_usd,
                "",
            )
            next_id += 1


def build_tranches(profile: Profile, rng: random.Random, agreements) -> int:
    return copy_rows(
        Disbursement,
        (
            "id",
            "created_at",
            "updated_at",
            "agreement_id",
            "planned_date",
            "planned_amount",
            "received_date",
            "received_amount",
            "planned_usd_rate",
            "planned_amount_usd",
            "received_usd_rate",
            "received_amount_usd",
            "notes",
        ),
        _tranche_rows(profile, rng, agreements),
    )


def _expenditure_rows(profile: Profile, rng: random.Random, projects: list[Project]):
    next_id = 1
    for project, count in zip(projects, spread(profile.expenditures, len(projects)), strict=True):
        last = min(project.end_date, AS_OF)
        days = (last - project.start_date).days + 1
        for _ in range(count):
            spent_on = project.start_date + rng.randrange(days) * DAY
            if rng.random() < 0.15:
                currency, amount = "PKR", Decimal(rng.randrange(30_000, 5_000_000))
            else:
                currency, amount = "USD", Decimal(rng.randrange(10_000, 2_000_000)) / 100
            usd_rate = rate(currency, spent_on)
            yield (
                next_id,
                stamp(spent_on),
                stamp(spent_on),
                project.pk,
                rng.choice(CATEGORIES),
                spent_on,
                amount,
                currency,
                usd_rate,
                to_usd(amount, usd_rate),
                "",
            )
            next_id += 1


def build_expenditures(profile: Profile, rng: random.Random, projects) -> int:
    return copy_rows(
        Expenditure,
        (
            "id",
            "created_at",
            "updated_at",
            "project_id",
            "category",
            "spent_on",
            "amount",
            "currency",
            "usd_rate",
            "amount_usd",
            "description",
        ),
        _expenditure_rows(profile, rng, projects),
    )
