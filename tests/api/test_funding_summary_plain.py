"""The funding summary formats its rows without DRF reading every value (ctportal.api.plain,
issue 14), and answers byte for byte what FundingSummarySerializer gives for the rows as
dicts (apis._row), as it did: the JSON, its ETag and the CSV, for every grouping, as a
manager, as each demo donor and with a period, on the demo's USD, EUR, CAD and JPY rows."""

import pytest
from django.contrib.auth import get_user_model

from donors import apis
from donors.serializers import FundingSummarySerializer
from tests.api.conftest import client_for

VIEWERS = ("manager", "donor_japan", "donor_eu", "donor_canada", "donor_inl")
PARAMS = [{"group_by": group_by} for group_by in apis.GROUP_BYS] + [
    {"group_by": "project", "date_from": "2023-03-15", "date_to": "2024-08-20"},
    {"group_by": "donor", "date_to": "2023-10-31", "format": "csv"},
    {"group_by": "year", "format": "csv"},
    {"group_by": "province", "format": "csv"},
]


class _ThroughTheSerializer:
    """The answer as before: every row a dict, every value read by DRF."""

    def represent(self, body: dict) -> dict:
        as_dicts = {
            **body,
            "rows": [apis._row(row) for row in body["rows"]],
            "currency_totals": [apis._row(row) for row in body["currency_totals"]],
        }
        return FundingSummarySerializer(as_dicts).data


def _answer(user, params) -> tuple[bytes, str | None]:
    response = client_for(user).get("/api/v1/funding/summary/", params)
    assert response.status_code == 200, response.content
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content, response.get("ETag")


@pytest.mark.parametrize("username", VIEWERS)
def test_the_answer_is_the_serializers_byte_for_byte(demo, monkeypatch, username):
    user = get_user_model().objects.get(username=username)
    fast = [_answer(user, params) for params in PARAMS]
    monkeypatch.setattr(apis, "SUMMARY_DATA", _ThroughTheSerializer())
    slow = [_answer(user, params) for params in PARAMS]
    assert fast == slow
    # Not empty answers: rows with money in them.
    assert all(b'"rows":[{' in content for content, _ in fast[: len(apis.GROUP_BYS)])
