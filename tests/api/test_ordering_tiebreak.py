"""Paging by a field many rows share returns every row exactly once: every ordering of every
list ends with the primary key, so the database cannot break ties differently from one page
to the next (PostgreSQL's top-N sort for LIMIT 1 OFFSET n does exactly that)."""

import pytest

from ctportal.api.filters import StrictOrderingFilter
from ctportal.api.urls import router
from projects.models import Expenditure, Project
from tests.api.conftest import client_for
from tests.factories import ExpenditureFactory, ProjectFactory


def _walk(client, url: str) -> list[int]:
    """Every id the list gives, page by page (one row a page)."""
    ids, page = [], 1
    while True:
        joiner = "&" if "?" in url else "?"
        response = client.get(f"{url}{joiner}page={page}&page_size=1")
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        if body["next"] is None:
            return ids
        page += 1


@pytest.fixture
def many_projects(world):
    # Seven projects in one status, beside the world's own: a tie for every page.
    for _ in range(7):
        ProjectFactory(sub_programme=world.sp, status=Project.Status.IMPLEMENTATION)
    return world


@pytest.mark.usefixtures("require_postgres")
@pytest.mark.parametrize("ordering", ["-status", "status", "start_date,-status", "-end_date"])
def test_paging_projects_by_a_shared_field_returns_every_project_once(many_projects, ordering):
    client = client_for(many_projects.users["manager"])
    ids = _walk(client, f"/api/v1/projects/?ordering={ordering}")
    assert sorted(ids) == sorted(Project.objects.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == Project.objects.count()


@pytest.mark.usefixtures("require_postgres")
@pytest.mark.parametrize("ordering", [None, "category", "-amount"])
def test_paging_expenditure_by_a_shared_field_returns_every_row_once(world, ordering):
    for _ in range(6):
        ExpenditureFactory(project=world.project_a, spent_on=world.project_a.start_date)
    client = client_for(world.users["manager"])
    url = "/api/v1/expenditures/" + (f"?ordering={ordering}" if ordering else "")
    ids = _walk(client, url)
    # A manager sees every row.
    assert sorted(ids) == sorted(Expenditure.objects.values_list("pk", flat=True))
    assert len(ids) == Expenditure.objects.count() >= 7


def test_every_lists_ordering_ends_with_the_primary_key(world):
    """The rule for every list, default order and ?ordering= alike, on any database."""
    user = world.users["manager"]
    for _prefix, viewset, basename in router.registry:
        view = viewset(action="list", format_kwarg=None, kwargs={})
        request = _request(user, {})
        view.request = request
        queryset = StrictOrderingFilter().filter_queryset(request, view.get_queryset(), view)
        assert queryset.query.order_by[-1] in ("pk", "-pk", "id", "-id"), basename
        for field in viewset.ordering_fields:
            request = _request(user, {"ordering": f"-{field}"})
            view.request = request
            queryset = StrictOrderingFilter().filter_queryset(request, view.get_queryset(), view)
            assert list(queryset.query.order_by) == [f"-{field}", "pk"], (basename, field)


def _request(user, params: dict):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory, force_authenticate

    raw = APIRequestFactory().get("/", params)
    force_authenticate(raw, user=user)
    request = Request(raw)
    request.user = user
    return request


@pytest.mark.usefixtures("require_postgres")
def test_paging_the_demo_projects_by_status_returns_every_project_once(demo):
    from django.contrib.auth import get_user_model

    client = client_for(get_user_model().objects.get(username="manager"))
    ids = _walk(client, "/api/v1/projects/?ordering=-status")
    assert sorted(ids) == sorted(Project.objects.values_list("pk", flat=True))
