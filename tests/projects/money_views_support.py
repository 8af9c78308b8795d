"""Helpers shared by the test_money_views.py split modules."""

import re


def errors_of(response, field_id: str) -> str:
    html = response.content.decode()
    match = re.search(rf'id="{field_id}_errors"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error shown for {field_id}"
    return match.group(1).strip()
