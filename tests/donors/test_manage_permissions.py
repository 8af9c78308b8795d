"""Who may open the managers' money pages: programme managers only. Every other role gets
a 403 on every page and POST (and writes nothing), visitors are sent to sign in, an
object nobody may see is a 404, and donor viewers never see a management control."""

import pytest
from django.urls import reverse

from organisations.models import Role
from tests.donors.conftest import money_state
from tests.factories import user_with_role

# name -> (URL name, the fixture object whose pk it takes, a POST body or None for GET only)
PAGES = {
    "agreement list": ("donors:agreement-manage-list", None, None),
    "new agreement": ("donors:agreement-create", None, {"reference": "X"}),
    "edit agreement": ("donors:agreement-update", "agreement", {"amount": "1.00"}),
    "delete agreement": ("donors:agreement-delete", "agreement", {"reason": "x"}),
    "usd rate": ("donors:agreement-usd-rate", "agreement", None),
    "allocate": ("donors:allocation-create", "agreement", {"amount": "1.00"}),
    "allocation": ("donors:allocation-detail", "allocation", None),
    "edit allocation": ("donors:allocation-update", "allocation", {"amount": "1.00"}),
    "remove allocation": ("donors:allocation-delete", "allocation", {"reason": "x"}),
    "plan tranche": ("donors:tranche-create", "agreement", {"planned_amount": "1.00"}),
    "tranche": ("donors:tranche-detail", "planned", None),
    "receive tranche": ("donors:tranche-receive", "planned", {"received_amount": "1.00"}),
    "correct tranche": ("donors:tranche-update", "received", {"reason": "x"}),
    "cancel tranche": ("donors:tranche-delete", "received", {"reason": "x"}),
}


def url_of(money, name: str, *, of=None) -> str:
    url_name, obj, _body = PAGES[name]
    if obj is None:
        return reverse(url_name)
    target = getattr(money, of or obj)
    return reverse(url_name, args=[target.pk])


def user_for(role: str, money):
    if role == "eu_viewer":
        return money.eu_viewer
    if role == "japan_viewer":
        return money.japan_viewer
    return user_with_role(
        {
            "counterpart": Role.COUNTERPART_STAFF,
            "ewg": Role.EWG_SECRETARIAT,
            "administrator": Role.ADMINISTRATOR,
        }[role],
        username=role,
    )


@pytest.mark.parametrize("role", ["counterpart", "ewg", "eu_viewer", "administrator"])
@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_other_role_is_refused_every_page_and_post(client, money, role, page):
    client.force_login(user_for(role, money))
    url = url_of(money, page)
    body = PAGES[page][2]
    before = money_state()

    assert client.get(url).status_code == 403
    if body is not None:
        assert client.post(url, body).status_code == 403
    assert money_state() == before


@pytest.mark.parametrize("page", sorted(PAGES))
def test_visitors_are_sent_to_sign_in(client, money, page):
    url = url_of(money, page)
    before = money_state()

    responses = [client.get(url)]
    if PAGES[page][2] is not None:
        responses.append(client.post(url, PAGES[page][2]))

    for response in responses:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert money_state() == before


@pytest.mark.parametrize("page", sorted(PAGES))
def test_a_manager_opens_every_page(client, money, manager, page):
    client.force_login(manager)

    assert client.get(url_of(money, page)).status_code == 200


@pytest.mark.parametrize(
    "page", sorted(name for name, (_u, obj, _b) in PAGES.items() if obj is not None)
)
def test_a_missing_object_is_a_404_for_a_manager(client, money, manager, page):
    client.force_login(manager)
    url_name = PAGES[page][0]

    assert client.get(reverse(url_name, args=[10**9])).status_code == 404


@pytest.mark.parametrize(
    ("page", "of"),
    [
        ("edit agreement", "japan_agreement"),
        ("allocate", "japan_agreement"),
        ("plan tranche", "japan_agreement"),
        ("receive tranche", "japan_tranche"),
        ("cancel tranche", "japan_tranche"),
        ("edit allocation", "japan_allocation"),
    ],
)
def test_a_donor_viewer_gets_nothing_of_another_donors_objects(client, money, page, of):
    client.force_login(money.eu_viewer)
    url = url_of(money, page, of=of)
    before = money_state()

    assert client.get(url).status_code in (403, 404)
    assert client.post(url, PAGES[page][2]).status_code in (403, 404)
    assert money_state() == before
    # Another donor's agreement page itself is hidden: a 404.
    page_url = reverse("donors:agreement-detail", args=[money.japan_agreement.pk])
    assert client.get(page_url).status_code == 404


@pytest.mark.parametrize("viewer", ["eu_viewer", "manager_as_donor"])
def test_donor_views_show_no_management_control(client, money, manager, viewer):
    if viewer == "eu_viewer":
        client.force_login(money.eu_viewer)
        query = ""
    else:
        client.force_login(manager)
        query = f"?as_donor={money.eu.pk}"
    pages = [
        reverse("donors:agreement-detail", args=[money.agreement.pk]) + query,
        reverse("donors:tranche-list") + query,
        reverse("donors:dashboard") + query,
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "EU-CT-001" in html
        for marker in (
            'data-testid="manage-actions"',
            'data-testid="history"',
            'id="history-heading"',
            "/edit/",
            "/delete/",
            "/receive/",
            "/allocations/",
            "/tranches/new/",
            reverse("donors:agreement-manage-list") + '"',
            ">Actions<",
        ):
            assert marker not in html, (url, marker)
