"""What an API row of a project shows beyond its own columns, read for a whole page of
projects at once as plain values (issue 14).

Prefetching the provinces, counterparts, NAP areas and allocations (with agreement and
donor) built some 3,000 model instances for a page of 500 projects, each with its
datetimes parsed and its init signals sent: more than half of the page's time. Here each
relation is one query of the columns a row shows, in the order the prefetch gave.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F

from ctportal.lookups import AnyOf
from organisations.models import Organisation
from projects.models import NapArea, Project


@dataclass(frozen=True, slots=True)
class OrganisationRef:
    """An organisation as a project row names it (`pk`, as a related field reads it)."""

    pk: int
    name: str
    iati_identifier: str


@dataclass(frozen=True, slots=True)
class Funding:
    """One allocation to the project: its donor and its USD amount."""

    donor: OrganisationRef
    amount_usd: Decimal


@dataclass(frozen=True, slots=True)
class Ref:
    pk: int


@dataclass(slots=True)
class ProjectRelations:
    """A project's provinces (codes), counterparts, NAP areas and funding, each in the
    order of its model's default ordering."""

    province_codes: list[str] = field(default_factory=list)
    counterparts: list[OrganisationRef] = field(default_factory=list)
    nap_areas: list[Ref] = field(default_factory=list)
    funding: list[Funding] = field(default_factory=list)


def project_relations_attach(*, projects: Iterable[Project]) -> None:
    """Set `relations` (ProjectRelations) on each project: four queries, whatever the
    number of projects, none when there are none."""
    projects = list(projects)
    by_id = {project.pk: ProjectRelations() for project in projects}
    for project in projects:
        project.relations = by_id[project.pk]
    if not by_id:
        return
    of_page = AnyOf(F("project_id"), list(by_id))
    # A province's primary key is its code; Province orders by code.
    provinces = Project.provinces.through.objects.filter(of_page)
    for project_id, code in provinces.order_by("province_id").values_list(
        "project_id", "province_id"
    ):
        by_id[project_id].province_codes.append(code)
    counterparts = Project.counterparts.through.objects.filter(of_page)
    ordering = [f"organisation__{name}" for name in Organisation._meta.ordering]
    for project_id, pk, name, iati in counterparts.order_by(*ordering).values_list(
        "project_id", "organisation_id", "organisation__name", "organisation__iati_identifier"
    ):
        by_id[project_id].counterparts.append(OrganisationRef(pk, name, iati))
    nap_areas = Project.nap_areas.through.objects.filter(of_page)
    ordering = [f"naparea__{name}" for name in NapArea._meta.ordering]
    for project_id, pk in nap_areas.order_by(*ordering).values_list("project_id", "naparea_id"):
        by_id[project_id].nap_areas.append(Ref(pk))
    # Reached through the relation: projects sits below donors (donors imports projects).
    # The allocations' default ordering, as the prefetch read them.
    allocations = Project.allocations.rel.related_model.objects.filter(of_page)
    donors: dict[int, OrganisationRef] = {}
    for project_id, amount_usd, donor_id, name, iati in allocations.values_list(
        "project_id",
        "amount_usd",
        "agreement__donor_id",
        "agreement__donor__name",
        "agreement__donor__iati_identifier",
    ):
        donor = donors.get(donor_id) or donors.setdefault(
            donor_id, OrganisationRef(donor_id, name, iati)
        )
        by_id[project_id].funding.append(Funding(donor, amount_usd))
