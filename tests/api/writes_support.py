"""Helpers shared by the test_writes.py split modules."""


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


def _snapshot(model) -> list:
    return sorted(model.objects.values_list(), key=lambda row: row[0])
