"""Helpers shared by the test_views.py split modules."""

from django.urls import reverse

from projects.models import Project
from tests.factories import (
    user_with_role,
)

LIST_URL = reverse("projects:project-list")


def detail_url(project: Project) -> str:
    return reverse("projects:project-detail", args=[project.code])


def viewer(role, organisation=None):
    return user_with_role(role, organisation=organisation)


def listed_codes(client, user, query: str = "") -> list[str]:
    client.force_login(user)
    response = client.get(f"{LIST_URL}{query}")
    assert response.status_code == 200
    return [p.code for p in response.context["projects"]]
