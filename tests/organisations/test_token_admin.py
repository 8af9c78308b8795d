import pytest

from organisations.models import ApiToken
from organisations.tokens import api_token_create
from tests.factories import user_with_role


def test_an_administrator_revokes_a_users_token_in_the_admin_without_seeing_its_key(
    client, administrator
):
    owner = user_with_role("donor_viewer")
    token, key = api_token_create(user=owner, name="laptop")
    client.force_login(administrator)

    listing = client.get("/admin/organisations/apitoken/")
    assert listing.status_code == 200
    assert "laptop" in listing.content.decode()
    assert key not in listing.content.decode()

    response = client.post(
        "/admin/organisations/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.count() == 1


def test_nobody_adds_a_token_in_the_admin(client, administrator):
    client.force_login(administrator)
    assert client.get("/admin/organisations/apitoken/add/").status_code == 403


@pytest.mark.parametrize(("tokens", "said"), [(1, "1 token revoked."), (2, "2 tokens revoked.")])
def test_revoking_tokens_in_the_admin_counts_them_in_good_english(
    client, administrator, tokens, said
):
    owner = user_with_role("donor_viewer")
    chosen = [api_token_create(user=owner, name=f"laptop {n}")[0].pk for n in range(tokens)]
    client.force_login(administrator)

    response = client.post(
        "/admin/organisations/apitoken/",
        {"action": "revoke", "_selected_action": chosen},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [said]
    assert ApiToken.objects.filter(revoked_at__isnull=False).count() == tokens
