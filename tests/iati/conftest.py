"""Fixtures of the IATI export tests."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from reports.iati import validation
from reports.iati.builder import iati_activities_stream

# The day the rules' "not in the future" is judged against: the export's own.
TODAY = timezone.localdate()


def export_of(user, **kwargs) -> bytes:
    return b"".join(iati_activities_stream(user=user, today=TODAY, **kwargs))


def demo_user(username: str):
    return get_user_model().objects.get(username=username)


@pytest.fixture
def demo_export(demo):
    """The manager's export of the demo, parsed."""
    return validation.parse(export_of(demo_user("manager")))
