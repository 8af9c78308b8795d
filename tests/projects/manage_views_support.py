"""Helpers shared by the test_manage_views.py split modules."""

import re


def errors_of(response, field_id: str) -> str:
    """The text of the error block tied to one input (aria-describedby ..._errors)."""
    html = response.content.decode()
    match = re.search(rf'id="{field_id}_errors"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no error shown for {field_id}"
    return match.group(1).strip()
