"""Helpers shared by the test_audit.py split modules."""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.urls import reverse
from lxml import html

from organisations.models import SecurityEvent

PASSWORD = "pass-word-123"


URL = "/audit/"


Kind = SecurityEvent.Kind


D = Decimal


KARACHI = ZoneInfo("Asia/Karachi")


def _sign_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def _events(**values) -> list[tuple]:
    """(kind, username, user, actor, ip, detail) of every security event, oldest first."""
    return list(
        SecurityEvent.objects.filter(**values)
        .order_by("when", "id")
        .values_list(
            "kind", "username", "user__username", "actor__username", "ip_address", "detail"
        )
    )


def _rows(response) -> list[dict]:
    """The audit table's rows as {column: text}."""
    tree = html.fromstring(response.content)
    rows = []
    for tr in tree.xpath("//table[@data-testid='audit-table']/tbody/tr"):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("td")]
        rows.append(dict(zip(("when", "event", "what", "who", "details"), cells, strict=True)))
    return rows
