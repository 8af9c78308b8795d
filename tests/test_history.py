"""ctportal.history: history rows become entries a person can read."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ctportal.history import history_for
from tests.factories import (
    ActivityFactory,
    ActivityTargetFactory,
    DisbursementFactory,
    FundingAgreementFactory,
    OrganisationFactory,
    OutputFactory,
    ProvinceFactory,
    UserFactory,
    WorkplanVersionFactory,
)
from workplans import services

pytestmark = pytest.mark.django_db


def _save(instance, *, user, reason=""):
    instance._history_user = user
    if reason:
        instance._change_reason = reason
    instance.save()


def test_a_change_shows_labels_and_values_as_the_pages_show_them():
    user = UserFactory(first_name="Sana", last_name="Qureshi")
    agreement = FundingAgreementFactory(currency="JPY", amount=Decimal("150000000"))
    tranche = DisbursementFactory(agreement=agreement, planned_amount=Decimal("50000000"))
    tranche.received_date = datetime.date(2022, 9, 5)
    tranche.received_amount = Decimal("49999999")
    tranche.received_usd_rate = Decimal("0.00720000")
    _save(tranche, user=user, reason="Bank advice of 5 Sep")

    newest = history_for(tranche)[0]

    assert newest.who == "Sana Qureshi"
    assert newest.action == "Changed"
    assert newest.reason == "Bank advice of 5 Sep"
    changes = {c.label: (c.old, c.new) for c in newest.changes}
    assert changes == {
        "Received date": ("—", "05 Sep 2022"),
        "Received amount": ("—", "JPY 49,999,999"),
        "Received USD rate": ("—", "0.0072"),
    }


def test_an_agreement_history_includes_its_deleted_tranches_with_their_reason():
    user = UserFactory(username="pm")
    agreement = FundingAgreementFactory(currency="EUR", amount=Decimal("1000.00"))
    tranche = DisbursementFactory(agreement=agreement, planned_amount=Decimal("250.50"))
    tranche._history_user = user
    tranche._change_reason = "Entered twice"
    tranche.delete()

    entries = history_for(agreement, related=("disbursements", "allocations"))

    deleted = entries[0]
    assert (deleted.action, deleted.subject, deleted.reason, deleted.who) == (
        "Deleted",
        "Disbursement",
        "Entered twice",
        "pm",
    )
    created = next(e for e in entries if e.subject == "Disbursement" and e.action == "Created")
    assert ("Planned amount", "—", "EUR 250.50") in {
        (c.label, c.old, c.new) for c in created.changes
    }
    assert ("Agreement", "—", str(agreement)) in {(c.label, c.old, c.new) for c in created.changes}


def test_history_takes_a_fixed_number_of_queries(django_assert_num_queries):
    agreement = FundingAgreementFactory()
    for day in range(1, 6):
        DisbursementFactory(agreement=agreement, planned_date=datetime.date(2022, 9, day))
    # Rows of the agreement, rows of its tranches, rows of its allocations, and one
    # query for each kind of related object named (organisations, agreements).
    with django_assert_num_queries(5):
        entries = history_for(agreement, related=("disbursements", "allocations"))
    assert len(entries) == 6


# --- many-to-many fields, acts of several rows, a version with its activities -------------


def _provinces():
    return (
        ProvinceFactory(code="PK-PB", name="Punjab"),
        ProvinceFactory(code="PK-SD", name="Sindh"),
    )


def test_a_province_change_reads_as_the_names_before_and_after(manager):
    punjab, sindh = _provinces()
    activity = ActivityFactory(code="A3")
    activity.provinces.set([punjab])
    services.activity_update(activity=activity, user=manager, provinces=[punjab, sindh])

    newest = history_for(activity)[0]

    assert (newest.who, newest.what) == ("manager", "Changed activity A3")
    assert [(c.label, c.old, c.new) for c in newest.changes] == [
        ("Provinces", "Punjab", "Punjab, Sindh")
    ]


def test_a_save_and_its_province_change_read_as_one_change(manager):
    punjab, sindh = _provinces()
    activity = ActivityFactory(code="A3", budget=Decimal("90000.00"))
    activity.provinces.set([punjab])

    services.activity_update(
        activity=activity, user=manager, budget=Decimal("95000.50"), provinces=[sindh]
    )

    entries = history_for(activity)
    changed = [e for e in entries if e.who == "manager"]
    assert len(changed) == 1
    assert {(c.label, c.old, c.new) for c in changed[0].changes} == {
        ("Budget", "USD 90,000.00", "USD 95,000.50"),
        ("Provinces", "Punjab", "Sindh"),
    }


def test_a_new_activity_is_one_created_entry_with_its_provinces(manager):
    punjab, sindh = _provinces()
    version = WorkplanVersionFactory()
    output = OutputFactory()
    activity = services.activity_create(
        version=version,
        code="A7",
        title="Prosecutors' training",
        output=output,
        lead_counterpart=OrganisationFactory(short_name="NACTA"),
        provinces=[sindh, punjab],
        budget=Decimal("1200.00"),
        budget_currency="EUR",
        user=manager,
    )

    entries = history_for(activity)

    assert [e.what for e in entries] == ["Created activity A7"]
    changes = {c.label: c.new for c in entries[0].changes}
    assert changes["Provinces"] == "Punjab, Sindh"
    assert changes["Budget"] == "EUR 1,200.00"
    assert changes["Lead counterpart"] == "NACTA"
    assert "Lineage" not in changes


def test_a_version_history_includes_its_activities_and_their_targets(manager):
    version = WorkplanVersionFactory()
    kept = ActivityFactory(version=version, code="A1")
    target = ActivityTargetFactory(activity=kept, quarter=2, value=Decimal("25"))
    dropped = ActivityFactory(version=version, code="A2")
    ActivityFactory(code="A1")  # another version's A1 stays out

    services.activity_update(
        activity=kept,
        user=manager,
        targets=[(target.indicator, 2, Decimal("30"))],
    )
    services.activity_delete(activity=dropped, user=manager)

    entries = history_for(
        version, related=("activities", "activities__targets"), omit_parent_keys=True
    )

    by_what = {e.what: e for e in entries}
    # The page is the version's: no entry repeats "Version: ..." or, for a target whose
    # name says it, "Activity: ...".
    assert not any(c.label in ("Version", "Activity") for e in entries for c in e.changes)
    indicator = target.indicator.code
    changed_target = by_what[f"Changed activity target A1 Q2 {indicator}"]
    assert [(c.label, c.old, c.new) for c in changed_target.changes] == [("Value", "25", "30")]
    assert changed_target.who == "manager"
    # The service's reason "Deleted" only repeats the action: left out.
    assert (by_what["Deleted activity A2"].who, by_what["Deleted activity A2"].reason) == (
        "manager",
        "",
    )
    assert sorted(e.what for e in entries if e.action == "Created") == [
        "Created activity A1",
        "Created activity A2",
        f"Created activity target A1 Q2 {indicator}",
        "Created workplan version v1",
    ]


def test_a_version_history_takes_the_same_queries_for_one_activity_or_five(
    django_assert_num_queries,
):
    def queries_for(count):
        version = WorkplanVersionFactory()
        output = OutputFactory()
        punjab, _ = _provinces()
        for _ in range(count):
            activity = ActivityFactory(version=version, output=output)
            activity.provinces.set([punjab])
            ActivityTargetFactory(activity=activity)
        with CaptureQueriesContext(connection) as captured:
            entries = history_for(version, related=("activities", "activities__targets"))
        assert len(entries) == 1 + 2 * count
        return len(captured.captured_queries)

    assert queries_for(1) == queries_for(5)


def test_version_and_activity_pages_show_readable_history(client, manager):
    punjab, sindh = _provinces()
    activity = ActivityFactory(code="A3")
    activity.provinces.set([punjab])
    services.activity_update(activity=activity, user=manager, provinces=[punjab, sindh])
    client.force_login(manager)

    for url in (
        reverse("workplans:version-detail", args=[activity.version_id]),
        reverse("workplans:activity-detail", args=[activity.pk]),
    ):
        page = client.get(url).content.decode()
        assert "Changed activity A3" in page
        assert "Provinces</span>: Punjab → Punjab, Sindh" in page
