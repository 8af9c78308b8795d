"""Helpers shared by the test_manage_views.py split modules."""

import re
from decimal import Decimal

D = Decimal


def field_errors(response, name: str) -> str:
    """The error text shown under one field of the page (empty when none)."""
    html = response.content.decode()
    match = re.search(rf'<div id="id_{name}_errors"[^>]*>(.*?)</div>', html, re.S)
    return match.group(1).strip() if match else ""
