"""The cache of figures (ctportal.figures_cache): a dashboard or summary is served again to
the same user for the same request until a write commits, and never to anyone else."""

import contextlib
import datetime
import json
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ctportal import figures_cache
from donors.services import disbursement_receive
from donors.services.totals import funding_totals_rebuild
from organisations.models import Role
from tests.factories import (
    DisbursementFactory,
    DonorFactory,
    ExchangeRateFactory,
    FundingAgreementFactory,
    ProgressUpdateFactory,
    user_with_role,
)

DASHBOARD = reverse("donors:dashboard")
SUMMARY = reverse("api:funding-summary")
PROGRESS = reverse("api:progress-summary")


@pytest.fixture
def cached(settings):
    settings.FIGURES_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def committed(db, django_capture_on_commit_callbacks):
    """`with committed():` runs the block as if its transaction committed: the callbacks
    it registered run, and are forgotten as a real commit forgets them."""

    @contextlib.contextmanager
    def block():
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield callbacks
        connection.run_on_commit.clear()

    return block


@pytest.fixture
def two_donors(committed):
    with committed():
        japan, eu = DonorFactory(short_name="JAPAN"), DonorFactory(short_name="EU")
        tranches = {
            donor: DisbursementFactory(
                agreement=FundingAgreementFactory(donor=donor, reference=f"{donor}-AGR"),
                planned_amount=Decimal("250000.00"),
                planned_amount_usd=Decimal("250000.00"),
            )
            for donor in (japan, eu)
        }
        users = {
            donor: user_with_role(Role.DONOR_VIEWER, organisation=donor) for donor in (japan, eu)
        }
    return japan, eu, tranches, users


def _get(client, user, url):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def _receive_in_full(tranche) -> None:
    disbursement_receive(
        disbursement=tranche,
        received_date=datetime.date(2022, 9, 5),
        received_amount=tranche.planned_amount,
    )


def _reads_money(queries: list[str]) -> bool:
    # The tranches and their kept totals (donors_disbursementmonth, ...year).
    return any("donors_disbursement" in sql for sql in queries)


def test_one_token_change_per_committed_transaction(db, committed):
    before = figures_cache.current_token()
    with committed() as callbacks, transaction.atomic():
        DonorFactory()
        FundingAgreementFactory()
        DisbursementFactory()
    replaced = [c for c in callbacks if c is figures_cache._replace_token]
    assert len(replaced) == 1
    after = figures_cache.current_token()
    assert after != before


def test_a_rolled_back_write_changes_nothing_and_later_writes_still_count(db, committed):
    before = figures_cache.current_token()
    with committed(), contextlib.suppress(RuntimeError), transaction.atomic():
        DonorFactory()
        raise RuntimeError("rolled back")
    assert figures_cache.current_token() == before
    with committed():
        DonorFactory()
    assert figures_cache.current_token() != before


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(DonorFactory, id="organisations"),
        pytest.param(ExchangeRateFactory, id="projects"),
        pytest.param(DisbursementFactory, id="donors"),
        pytest.param(ProgressUpdateFactory, id="workplans"),
    ],
)
def test_a_write_in_every_watched_app_changes_the_token(db, committed, make):
    with committed():
        made = make()
    saved = figures_cache.current_token()
    assert saved != "none"
    with committed():
        type(made).objects.filter(pk=made.pk).first().delete()
    assert figures_cache.current_token() != saved


def test_signing_in_leaves_the_cached_figures_alone(client, committed, two_donors):
    """A sign-in writes an audit row and the user's last_login: no figure moves."""
    japan, _eu, _tranches, users = two_donors
    before = figures_cache.current_token()
    with committed():
        client.force_login(users[japan])
        assert client.get(DASHBOARD).status_code == 200
    assert figures_cache.current_token() == before


def test_a_rebuild_that_skips_save_changes_the_token(db, committed):
    with committed():
        DisbursementFactory()
    before = figures_cache.current_token()
    with committed():
        funding_totals_rebuild()
    assert figures_cache.current_token() != before


def test_off_by_default_in_tests_and_then_no_key(rf, db, django_user_model):
    request = rf.get(DASHBOARD)
    request.user = django_user_model(pk=1)
    assert figures_cache.key(request, "x") is None


def test_dashboard_is_served_from_the_cache_until_a_receipt_commits(
    client, cached, committed, two_donors
):
    japan, _eu, tranches, users = two_donors
    first, first_queries = _get(client, users[japan], DASHBOARD)
    assert _reads_money(first_queries)
    again, again_queries = _get(client, users[japan], DASHBOARD)
    assert not _reads_money(again_queries)
    assert len(again_queries) < len(first_queries)
    received = 'data-testid="headline-received"'
    assert again.content.decode().count(received) == 1
    figure = again.content.decode().split(received)[1][:40]
    assert "0.00" in figure

    with committed():
        _receive_in_full(tranches[japan])
    after, after_queries = _get(client, users[japan], DASHBOARD)
    assert _reads_money(after_queries)
    assert "250,000.00" in after.content.decode().split(received)[1][:40]


def test_one_donors_cached_dashboard_is_never_served_to_another(
    client, cached, committed, two_donors
):
    japan, eu, _tranches, users = two_donors
    for _ in range(2):
        japan_page, _ = _get(client, users[japan], DASHBOARD)
        eu_page, eu_queries = _get(client, users[eu], DASHBOARD)
        assert "JAPAN-AGR" in japan_page.content.decode()
        assert "EU-AGR" not in japan_page.content.decode()
        assert "EU-AGR" in eu_page.content.decode()
        assert "JAPAN-AGR" not in eu_page.content.decode()
    # The second round was the cache's, for each of them.
    assert not _reads_money(eu_queries)


def test_summary_api_is_kept_per_user_and_moves_with_a_write(client, cached, committed, two_donors):
    japan, eu, tranches, users = two_donors
    url = SUMMARY + "?group_by=agreement"
    first, first_queries = _get(client, users[japan], url)
    again, again_queries = _get(client, users[japan], url)
    assert _reads_money(first_queries)
    assert not _reads_money(again_queries)
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert again["ETag"] == first["ETag"]
    client.force_login(users[japan])
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    eu_body = json.loads(_get(client, users[eu], url)[0].content)
    assert [row["label"] for row in eu_body["rows"]] == ["EU-AGR"]

    with committed():
        _receive_in_full(tranches[japan])
    moved, moved_queries = _get(client, users[japan], url)
    assert _reads_money(moved_queries)
    assert moved["ETag"] != first["ETag"]
    assert json.loads(moved.content)["rows"][0]["received_usd"] == "250000.00"


def test_a_refused_or_invalid_summary_is_not_kept(client, cached, two_donors):
    japan, eu, _tranches, users = two_donors
    client.force_login(users[japan])
    bad = SUMMARY + "?group_by=nonsense"
    assert client.get(bad).status_code == 400
    assert client.get(bad).status_code == 400
    other = SUMMARY + f"?donor={eu.pk}"
    assert client.get(other).status_code == 400
    assert client.get(other).status_code == 400


def test_figures_narrowed_by_a_filter_are_computed_every_time(client, cached, two_donors):
    """A script walking through dates or quarters must not fill the cache."""
    japan, _eu, _tranches, users = two_donors
    for url, computing in (
        (DASHBOARD + "?date_from=2022-01-01", "donors_disbursement"),
        (SUMMARY + "?group_by=agreement&date_from=2022-01-01", "donors_disbursement"),
        (PROGRESS + "?group_by=status&quarter=1", "workplans_"),
    ):
        for _ in range(2):
            _response, queries = _get(client, users[japan], url)
        assert not any("ctportal_figuresversion" in sql for sql in queries), url
        assert any(computing in sql for sql in queries), url


def test_without_redis_the_figures_are_computed_not_refused(
    client, settings, committed, two_donors
):
    """Redis down (the kept figures' cache unreachable): pages and summaries still answer."""
    settings.FIGURES_CACHE_SECONDS = 600
    settings.CACHES = {
        **settings.CACHES,
        "template_fragments": {
            "BACKEND": "ctportal.figures_cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
        },
    }
    japan, _eu, _tranches, users = two_donors
    for url in (DASHBOARD, SUMMARY + "?group_by=agreement"):
        for _ in range(2):
            response, queries = _get(client, users[japan], url)
            assert _reads_money(queries)
        assert "JAPAN-AGR" in response.content.decode()


def test_progress_summary_is_kept_too(client, cached, committed, two_donors):
    japan, _eu, _tranches, users = two_donors
    url = PROGRESS + "?group_by=status"
    first, first_queries = _get(client, users[japan], url)
    again, again_queries = _get(client, users[japan], url)
    assert again.content == first.content
    assert len(again_queries) < len(first_queries)
    assert not any("workplans_" in sql for sql in again_queries)
