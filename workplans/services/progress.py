"""Progress updates: counterpart staff report on approved activities quarter by quarter;
managers verify them or return them with comments. Only verified figures count.

Each use case is whole here, e-mails included: pages, the API, commands and the admin call
these and add nothing, so a submission or a return tells the same people whichever way it
was made. Alerts are written with the change and e-mailed once it is committed
(workplans.alerts).
"""

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ctportal.audit_trail import delete_audited, save_audited
from ctportal.exceptions import DomainError
from projects.models import Indicator, Province
from workplans import alerts
from workplans.models import (
    AchievedValue,
    Activity,
    ProgressTransition,
    ProgressUpdate,
    WorkplanVersion,
)
from workplans.quarters import quarters_of

from .common import fits_digits, to_decimal
from .files import atomic_with_files
from .progress_evidence import evidence_attach
from .progress_rules import (
    progress_actions,
    reporter_require,
    require,
    reviewer_require,
    update_lock,
)
from .targets import count_whole_require

State = ProgressUpdate.State
VALUE_DIGITS = {"max_digits": 14, "decimal_places": 2}

ValueSpec = tuple[Indicator, str | None, Province | None, Decimal]
ValueKey = tuple[int, str, str | None]


def _quarter_validate(activity: Activity, quarter) -> int:
    workplan = activity.version.workplan
    quarters = quarters_of(workplan)
    if isinstance(quarter, bool) or not isinstance(quarter, int):
        try:
            quarter = int(str(quarter).strip())
        except ValueError:
            quarter = 0
    if not 1 <= quarter <= len(quarters):
        raise DomainError(
            f"{workplan.code} has quarters 1 to {len(quarters)}; there is no quarter {quarter}.",
            field="quarter",
            code="quarter_outside_workplan",
        )
    return quarter


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _status_validate(status: str, percent_complete) -> int:
    if status not in ProgressUpdate.Status.values:
        raise DomainError(
            f"{status!r} is not a status of an activity.", field="status", code="invalid_choice"
        )
    percent = _whole_number(percent_complete)
    if percent is None:
        raise DomainError(
            "Enter the percentage complete as a whole number from 0 to 100.",
            field="percent_complete",
            code="percent_out_of_range",
        )
    if not 0 <= percent <= 100:
        raise DomainError(
            f"The percentage complete must be from 0 to 100, not {percent}.",
            field="percent_complete",
            code="percent_out_of_range",
        )
    if status == ProgressUpdate.Status.COMPLETED and percent != 100:
        raise DomainError(
            f"A completed activity is 100% complete, not {percent}%.",
            field="percent_complete",
            code="completed_needs_100",
        )
    return percent


def _values_validate(activity: Activity, values: Iterable) -> dict[ValueKey, Decimal]:
    """Achieved values keyed by (indicator, sex, province), checked against the indicators
    the activity carries through its targets and their disaggregation."""
    indicators = {
        target.indicator_id: target.indicator
        for target in activity.targets.select_related("indicator")
    }
    cleaned: dict[ValueKey, Decimal] = {}
    for item in values:
        try:
            indicator, sex, province, value = item
        except (TypeError, ValueError):
            raise DomainError(
                "Each achieved value is an indicator, a sex, a province and a value.",
                field="values",
                code="invalid_value",
            ) from None
        carried = indicators.get(getattr(indicator, "pk", None))
        if carried is None:
            raise DomainError(
                f"{activity.code} has no target on indicator "
                f"{getattr(indicator, 'code', indicator)}; report only on its own indicators.",
                field="values",
                code="indicator_not_on_activity",
            )
        sex = sex or ""
        if sex not in AchievedValue.Sex.values:
            raise DomainError(
                f"{sex!r} is not a sex the portal records.", field="values", code="invalid_sex"
            )
        if sex and not carried.by_sex:
            raise DomainError(
                f"Indicator {carried.code} is not disaggregated by sex.",
                field="values",
                code="sex_not_disaggregated",
            )
        if province is not None and not carried.by_province:
            raise DomainError(
                f"Indicator {carried.code} is not disaggregated by province.",
                field="values",
                code="province_not_disaggregated",
            )
        number = to_decimal(value, field="values", what=f"The value of {carried.code}")
        if number < 0:
            raise DomainError(
                f"The value of {carried.code} cannot be negative.",
                field="values",
                code="negative_value",
            )
        if not fits_digits(number, **VALUE_DIGITS):
            raise DomainError(
                f"The value of {carried.code} has too many digits.",
                field="values",
                code="invalid_number",
            )
        where = [AchievedValue.Sex(sex).label.lower()] if sex else []
        where += [province.name] if province is not None else []
        count_whole_require(
            indicator=carried,
            number=number,
            what="the value achieved" + (f" ({', '.join(where)})" if where else ""),
            field="values",
        )
        key = (carried.pk, sex, province.pk if province is not None else None)
        if key in cleaned:
            raise DomainError(
                f"{carried.code} has two values for the same sex and province.",
                field="values",
                code="duplicate_value",
            )
        cleaned[key] = number
    return cleaned


def _write_values(update: ProgressUpdate, wanted: dict[ValueKey, Decimal], *, user) -> None:
    """Make the update's achieved values exactly `wanted`, touching only rows that change."""
    existing = {(v.indicator_id, v.sex, v.province_id): v for v in update.values.all()}
    for key, row in existing.items():
        if key not in wanted:
            delete_audited(row, user=user)
        elif row.value != wanted[key]:
            row.value = wanted[key]
            save_audited(row, user=user)
    for (indicator_id, sex, province_id), value in wanted.items():
        if (indicator_id, sex, province_id) not in existing:
            row = AchievedValue(
                update=update,
                indicator_id=indicator_id,
                sex=sex,
                province_id=province_id,
                value=value,
            )
            save_audited(row, user=user)


@atomic_with_files
def progress_update_save(
    *,
    activity: Activity,
    quarter: int,
    user,
    status: str,
    percent_complete: int,
    narrative: str = "",
    challenges: str = "",
    values: Iterable[ValueSpec] = (),
    expected_revision: int | None = None,
    evidence: Iterable = (),
    submit: bool = False,
    base_url: str = "",
) -> ProgressUpdate:
    """Counterpart staff of the lead organisation write the draft (or returned) update of an
    approved activity for a quarter; a save based on an older revision is refused.

    `evidence` (uploaded files) is attached to it and, with `submit`, it is submitted for
    review (progress_update_submit, e-mails included): all of it or, if any step is
    refused, nothing, not even a stored file. `base_url` is where e-mail links point."""
    reporter_require(user, activity)
    locked = Activity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    # Read once the lock is held: an approval that carried this activity's updates to a
    # revision holds it too, and this sees its version superseded, not a stale copy.
    locked.version = WorkplanVersion.objects.select_related("workplan").get(pk=locked.version_id)
    reporter_require(user, locked)
    quarter = _quarter_validate(locked, quarter)
    update = (
        ProgressUpdate.objects.select_for_update().filter(activity=locked, quarter=quarter).first()
    )
    if update is not None:
        update.activity = locked
    require(progress_actions(activity=locked, update=update, quarter=quarter).edit)
    if update is not None and expected_revision not in (None, update.revision):
        raise DomainError(
            f"Someone saved the Q{quarter} update of {locked.code} after you opened it "
            f"(you edited revision {expected_revision}, it is now at revision "
            f"{update.revision}). Reload it to see their changes, then make yours again.",
            code="stale_revision",
        )
    percent = _status_validate(status, percent_complete)
    wanted_values = _values_validate(locked, values)
    if update is None:
        update = ProgressUpdate(
            activity=locked, quarter=quarter, author=user, state=State.DRAFT, revision=1
        )
    else:
        update.revision += 1
    update.status = status
    update.percent_complete = percent
    update.narrative = (narrative or "").strip()
    update.challenges = (challenges or "").strip()
    save_audited(update, user=user)
    _write_values(update, wanted_values, user=user)
    for uploaded_file in evidence:
        evidence_attach(update=update, user=user, uploaded_file=uploaded_file)
    if submit:
        return progress_update_submit(update=update, user=user, base_url=base_url)
    return update


def _transition(update: ProgressUpdate, *, to: str, user, comment: str = "") -> None:
    ProgressTransition.objects.create(
        update=update, from_state=update.state, to_state=to, by=user, comment=comment
    )
    update.state = to
    # A state change is a change too: a form opened before it is stale.
    update.revision += 1


def _refresh(stale: ProgressUpdate, fresh: ProgressUpdate) -> None:
    if stale is not fresh:
        stale.refresh_from_db()


@transaction.atomic
def progress_update_submit(*, update: ProgressUpdate, user, base_url: str = "") -> ProgressUpdate:
    """Staff of the reporting counterpart submit a draft or returned update for review;
    every active programme manager is e-mailed a link to review it (`base_url`: where the
    portal is reached, settings.PORTAL_BASE_URL when empty)."""
    reporter_require(user, update.activity)
    locked = update_lock(update.pk)
    require(progress_actions(activity=locked.activity, update=locked).submit)
    _transition(locked, to=State.SUBMITTED, user=user)
    locked.submitted_at = timezone.now()
    save_audited(locked, user=user, reason="Submitted")
    alerts.progress_submitted_alert(update=locked, user=user, base_url=base_url)
    _refresh(update, locked)
    return locked


@transaction.atomic
def progress_update_verify(*, update: ProgressUpdate, user) -> ProgressUpdate:
    """A manager, never the reporting organisation, verifies a submitted update; its
    figures then count in dashboards and reports, and its author is told."""
    reviewer_require(user, update)
    locked = update_lock(update.pk)
    require(progress_actions(activity=locked.activity, update=locked).verify)
    _transition(locked, to=State.VERIFIED, user=user)
    locked.verified_at = timezone.now()
    locked.verified_by = user
    save_audited(locked, user=user, reason="Verified")
    alerts.progress_verified_alert(update=locked)
    _refresh(update, locked)
    return locked


@transaction.atomic
def progress_update_return(
    *, update: ProgressUpdate, user, comment: str, base_url: str = ""
) -> ProgressUpdate:
    """A manager returns a submitted update to its counterpart with a comment saying why;
    only one on the version in force, which its counterpart can then correct. Its author
    is e-mailed the comment and a link to the form (`base_url` as for a submission)."""
    reviewer_require(user, update)
    locked = update_lock(update.pk)
    require(progress_actions(activity=locked.activity, update=locked).return_)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError(
            "Say what the counterpart should change.", field="comment", code="required"
        )
    _transition(locked, to=State.RETURNED, user=user, comment=comment)
    locked.review_comment = comment
    save_audited(locked, user=user, reason="Returned")
    alerts.progress_returned_alert(update=locked, base_url=base_url)
    _refresh(update, locked)
    return locked
