"""The results side of the scale data: a results framework, yearly workplans, activities
with quarterly targets, and their progress updates.

Rules kept here, as workplans/ services keep them: each activity's output belongs to its
workplan's sub-programme, so does its project, and its lead is a counterpart; one
version per workplan, approved, and progress only on it (so verified updates are on
approved versions only); one update per activity and quarter, for quarters started by
AS_OF, verified only once the quarter has ended; percent complete never past 100.
"""

import datetime
import random
import uuid
from decimal import Decimal

from ctportal.scale.funding import DAY, Built, stamp
from ctportal.scale.profiles import (
    AS_OF,
    INDICATORS_PER_OUTPUT,
    OUTCOMES_PER_SUB_PROGRAMME,
    OUTPUTS_PER_OUTCOME,
    Profile,
    spread,
)
from ctportal.scale.writer import copy_rows
from projects.models import Indicator, Outcome, Output
from workplans.models import (
    AchievedValue,
    Activity,
    ActivityTarget,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.quarters import quarters_of

STATUS = ProgressUpdate.Status
STATE = ProgressUpdate.State


def build_framework(built: Built) -> dict[int, list[tuple[int, int]]]:
    """Outcomes, outputs and indicators per sub-programme; returns, per sub-programme,
    its (output id, first indicator id) pairs."""
    outcomes = Outcome.objects.bulk_create(
        Outcome(sub_programme=sp, code=f"OC{k + 1}", title=f"{sp.code} outcome {k + 1}")
        for sp in built.sub_programmes
        for k in range(OUTCOMES_PER_SUB_PROGRAMME)
    )
    outputs = Output.objects.bulk_create(
        Output(outcome=oc, code=f"{oc.code}.{k + 1}", title=f"Output {oc.code}.{k + 1}")
        for oc in outcomes
        for k in range(OUTPUTS_PER_OUTCOME)
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(
            output=out,
            code=f"{out.code}.{k + 1}",
            title=f"Indicator {out.code}.{k + 1}",
            unit="persons",
            target=Decimal("400"),
        )
        for out in outputs
        for k in range(INDICATORS_PER_OUTPUT)
    )
    first_indicator = {ind.output_id: ind.pk for ind in reversed(indicators)}
    sub_programme_of = {oc.pk: oc.sub_programme_id for oc in outcomes}
    pairs: dict[int, list[tuple[int, int]]] = {}
    for out in outputs:
        pairs.setdefault(sub_programme_of[out.outcome_id], []).append(
            (out.pk, first_indicator[out.pk])
        )
    return pairs


def build_workplans(profile: Profile, built: Built) -> list[WorkplanVersion]:
    """A calendar-year workplan per sub-programme and year, its version 1 approved."""
    workplans = Workplan.objects.bulk_create(
        Workplan(
            sub_programme=sp,
            code=f"WP-{sp.code}-{year}",
            title=f"{sp.code} workplan {year}",
            period_start=datetime.date(year, 1, 1),
            period_end=datetime.date(year, 12, 31),
        )
        for year in range(profile.first_year, profile.last_year + 1)
        for sp in built.sub_programmes
    )
    versions = WorkplanVersion.objects.bulk_create(
        WorkplanVersion(
            workplan=wp,
            number=1,
            status=WorkplanVersion.Status.APPROVED,
            approved_at=stamp(wp.period_start - 20 * DAY),
            submitted_at=stamp(wp.period_start - 40 * DAY),
        )
        for wp in workplans
    )
    for version, workplan in zip(versions, workplans, strict=True):
        version.workplan = workplan  # kept for the quarters and the sub-programme below
    return versions


def build_activities(
    profile: Profile, rng: random.Random, built: Built, versions, framework
) -> list[tuple[int, WorkplanVersion, int, int]]:
    """Activities spread over the versions; returns (id, version, indicator id, lead id)."""
    activities, rows = [], []
    next_id = 1
    for version, count in zip(versions, spread(profile.activities, len(versions)), strict=True):
        sp_id = version.workplan.sub_programme_id
        projects = built.projects_by_sub_programme.get(sp_id, [])
        for k in range(count):
            output_id, indicator_id = rng.choice(framework[sp_id])
            lead = built.counterpart_ids[rng.randrange(len(built.counterpart_ids))]
            project = rng.choice(projects) if projects and rng.random() < 0.8 else None
            rows.append(
                (
                    next_id,
                    stamp(version.workplan.period_start),
                    stamp(version.workplan.period_start),
                    version.pk,
                    uuid.UUID(int=rng.getrandbits(128)),
                    f"A{k + 1:04d}",
                    f"Synthetic activity {k + 1} of {version.workplan.code}",
                    "",
                    output_id,
                    lead,
                    project,
                    Decimal(rng.randrange(5_000, 250_000)),
                    "USD",
                )
            )
            activities.append((next_id, version, indicator_id, lead))
            next_id += 1
    copy_rows(
        Activity,
        (
            "id",
            "created_at",
            "updated_at",
            "version_id",
            "lineage",
            "code",
            "title",
            "description",
            "output_id",
            "lead_counterpart_id",
            "project_id",
            "budget",
            "budget_currency",
        ),
        rows,
    )
    codes = built.province_codes
    copy_rows(
        Activity.provinces.through,
        ("activity_id", "province_id"),
        ((a_id, codes[a_id % len(codes)]) for a_id, _, _, _ in activities),
    )
    copy_rows(
        ActivityTarget,
        ("activity_id", "indicator_id", "quarter", "value"),
        (
            (a_id, ind, q, Decimal(10 * q))
            for a_id, version, ind, _ in activities
            for q in range(1, len(quarters_of(version.workplan)) + 1)
        ),
    )
    return activities


def _update_rows(profile: Profile, rng: random.Random, built: Built, activities):
    """Up to profile.progress_updates updates, quarter by quarter across the activities."""
    per_activity = -(-profile.progress_updates // max(1, len(activities)))
    made = 0
    for a_id, version, indicator_id, lead in activities:
        quarters = quarters_of(version.workplan)[:per_activity]
        percent = 0
        for quarter in quarters:
            if made >= profile.progress_updates or quarter.start > AS_OF:
                break
            percent = min(100, percent + rng.randrange(10, 40))
            ended = quarter.end + 30 * DAY <= AS_OF
            roll = rng.random()
            if ended and roll < 0.9:
                state = STATE.VERIFIED
            else:
                state = (STATE.SUBMITTED, STATE.DRAFT, STATE.RETURNED)[int(roll * 10) % 3]
            status = (
                STATUS.COMPLETED
                if percent == 100
                else (STATUS.DELAYED if roll > 0.8 else STATUS.ON_TRACK)
            )
            submitted = min(quarter.end + 10 * DAY, AS_OF)
            verified = min(quarter.end + 25 * DAY, AS_OF) if state == STATE.VERIFIED else None
            yield (
                made + 1,
                stamp(quarter.start),
                stamp(verified or submitted),
                a_id,
                quarter.number,
                state,
                status,
                percent,
                "Synthetic narrative.",
                "",
                built.author_by_counterpart[lead],
                "",
                stamp(submitted) if state != STATE.DRAFT else None,
                stamp(verified) if verified else None,
                built.manager_id if verified else None,
                1,
                indicator_id,
            )
            made += 1


def build_progress(profile: Profile, rng: random.Random, built: Built, activities) -> int:
    """Progress updates, and an achieved value on each verified one."""
    rows = list(_update_rows(profile, rng, built, activities))
    copy_rows(
        ProgressUpdate,
        (
            "id",
            "created_at",
            "updated_at",
            "activity_id",
            "quarter",
            "state",
            "status",
            "percent_complete",
            "narrative",
            "challenges",
            "author_id",
            "review_comment",
            "submitted_at",
            "verified_at",
            "verified_by_id",
            "revision",
        ),
        (row[:-1] for row in rows),
    )
    copy_rows(
        AchievedValue,
        ("update_id", "indicator_id", "sex", "province_id", "value"),
        ((row[0], row[-1], "", None, Decimal(row[7])) for row in rows if row[5] == STATE.VERIFIED),
    )
    return len(rows)
