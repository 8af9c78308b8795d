"""The demo's SP-IV results framework, its 2022-23 workplan, the EWG meeting that approved
it and the progress reported on it, each dated on the day it happened (see replay.py)."""

import datetime as dt
from decimal import Decimal

from alerts.services import silenced
from ctportal.demo import data
from ctportal.demo.replay import backdate, happened, moment
from projects import services as project_services
from projects.models import Indicator, Outcome, Output, Province
from workplans import services as wp_services
from workplans.models import (
    Activity,
    EwgMeeting,
    ProgressTransition,
    ProgressUpdate,
    Workplan,
    WorkplanVersion,
)
from workplans.quarters import quarters_of

# After a quarter ends, its counterpart reports within a week or two; the manager reviews a
# week later (ILLUSTRATIVE: the demo's own rhythm, not published dates).
DRAFTED_AFTER_END = dt.timedelta(days=6)
SUBMITTED_AFTER_END = dt.timedelta(days=9)
REVIEWED_AFTER_END = dt.timedelta(days=16)


class WorkplanSteps:
    """Part of DemoLoader: expects self.sps, self.orgs, self.users_by_name, self.manager,
    self.projects_by_code and self._count."""

    def results_framework(self) -> None:
        sp4 = self.sps[("CP-PAK-III", "SP-IV")]
        # The framework is agreed when the country programme starts.
        at = moment(sp4.programme.start_date)
        self.outputs, self.indicators = {}, {}
        for oc_code, oc_title, outputs in data.RESULTS_SP4:
            outcome = Outcome.objects.filter(sub_programme=sp4, project=None, code=oc_code).first()
            if outcome is None:
                with happened(at, by=self.manager):
                    outcome = project_services.outcome_create(
                        sub_programme=sp4, code=oc_code, title=oc_title, user=self.manager
                    )
                self._count("outcome")
            for op_code, op_title, indicators in outputs:
                output = Output.objects.filter(outcome=outcome, code=op_code).first()
                if output is None:
                    with happened(at, by=self.manager):
                        output = project_services.output_create(
                            outcome=outcome, code=op_code, title=op_title, user=self.manager
                        )
                    self._count("output")
                self.outputs[op_code] = output
                for code, title, unit, baseline, target, by_sex, by_province in indicators:
                    indicator = Indicator.objects.filter(output=output, code=code).first()
                    if indicator is None:
                        with happened(at, by=self.manager):
                            indicator = project_services.indicator_create(
                                output=output,
                                code=code,
                                title=title,
                                unit=unit,
                                baseline=Decimal(baseline),
                                target=Decimal(target),
                                by_sex=by_sex,
                                by_province=by_province,
                                user=self.manager,
                            )
                        self._count("indicator")
                    self.indicators[code] = indicator

    def workplan(self) -> None:
        sp4 = self.sps[("CP-PAK-III", "SP-IV")]
        spec = data.WORKPLAN
        drafted = moment(spec["drafted_on"])
        workplan = Workplan.objects.filter(code=spec["code"]).first()
        if workplan is None:
            with happened(drafted, by=self.manager):
                workplan = wp_services.workplan_create(
                    sub_programme=sp4,
                    code=spec["code"],
                    title=spec["title"],
                    period_start=spec["period_start"],
                    period_end=spec["period_end"],
                    user=self.manager,
                )
            self._count("workplan")
        self.version = workplan.versions.order_by("number").first()
        if self.version.is_editable:
            self.activities(drafted)
            # The demo replays history: the submission happened before the EWG met.
            submitted = moment(spec["submitted_on"])
            with happened(submitted, by=self.manager):
                self.version = wp_services.version_submit(
                    version=self.version, user=self.manager, submitted_at=submitted
                )
        meeting_spec = data.EWG_MEETING
        ewg = self.users_by_name["ewg"]
        # The secretariat records the meeting and its decision the afternoon it met.
        met = moment(meeting_spec["date"], hour=16)
        meeting = EwgMeeting.objects.filter(sub_programme=sp4, date=meeting_spec["date"]).first()
        if meeting is None:
            attendees = [(self.orgs[o], "in_person") for o in meeting_spec["in_person"]]
            attendees += [(self.orgs[o], "video") for o in meeting_spec["video"]]
            with happened(met, by=ewg):
                meeting = wp_services.meeting_create(
                    sub_programme=sp4,
                    date=meeting_spec["date"],
                    venue=meeting_spec["venue"],
                    chair=meeting_spec["chair"],
                    chair_organisation=self.orgs[meeting_spec["chair_organisation"]],
                    notes=meeting_spec["notes"],
                    attendees=attendees,
                    decisions=meeting_spec["decisions"],
                    user=ewg,
                )
            self._count("EWG meeting")
        if self.version.status == WorkplanVersion.Status.SUBMITTED:
            approved = moment(meeting_spec["date"], hour=16, minute=30)
            with happened(approved, by=ewg):
                wp_services.version_approve(version=self.version, meeting=meeting, user=ewg)
            backdate(self.version, approved_at=approved)
            self._count("approval")

    def activities(self, drafted: dt.datetime) -> None:
        for (
            code,
            title,
            output,
            indicator,
            lead,
            provinces,
            project,
            budget,
            targets,
            basis,
        ) in data.ACTIVITIES:
            if Activity.objects.filter(version=self.version, code=code).exists():
                continue
            with happened(drafted, by=self.manager):
                wp_services.activity_create(
                    version=self.version,
                    code=code,
                    title=title,
                    output=self.outputs[output],
                    lead_counterpart=self.orgs[lead],
                    provinces=list(Province.objects.filter(code__in=provinces)),
                    budget=budget,
                    budget_currency="USD",
                    project=self.projects_by_code[project] if project else None,
                    description=basis,
                    targets=[
                        (self.indicators[indicator], q, Decimal(v)) for q, v in targets.items()
                    ],
                    user=self.manager,
                )
            self._count("activity", "activities")

    def progress(self) -> None:
        # A replay of past reporting: the services would e-mail managers and authors today.
        with silenced():
            self._progress()

    def _progress(self) -> None:
        provinces = {p.code: p for p in Province.objects.all()}
        quarter_ends = {q.number: q.end for q in quarters_of(self.version.workplan)}
        for (
            code,
            quarter,
            author,
            state,
            status,
            percent,
            values,
            narrative,
            challenges,
            comment,
        ) in data.PROGRESS:
            activity = Activity.objects.get(version=self.version, code=code)
            if ProgressUpdate.objects.filter(activity=activity, quarter=quarter).exists():
                continue
            user = self.users_by_name[author]
            ended = quarter_ends[quarter]
            with happened(moment(ended + DRAFTED_AFTER_END), by=user):
                update = wp_services.progress_update_save(
                    activity=activity,
                    quarter=quarter,
                    user=user,
                    status=status,
                    percent_complete=percent,
                    narrative=narrative,
                    challenges=challenges,
                    values=[
                        (self.indicators[i], sex, provinces.get(p), Decimal(v))
                        for i, sex, p, v in values
                    ],
                )
            self._count("progress update")
            if state == "draft":
                continue
            submitted = moment(ended + SUBMITTED_AFTER_END)
            with happened(submitted, by=user):
                wp_services.progress_update_submit(update=update, user=user)
            _backdate(update, "submitted", submitted, submitted_at=submitted)
            reviewed = moment(ended + REVIEWED_AFTER_END, hour=15)
            if state == "verified":
                with happened(reviewed, by=self.manager):
                    wp_services.progress_update_verify(update=update, user=self.manager)
                _backdate(update, "verified", reviewed, verified_at=reviewed)
            elif state == "returned":
                with happened(reviewed, by=self.manager):
                    wp_services.progress_update_return(
                        update=update, user=self.manager, comment=comment
                    )
                _backdate(update, "returned", reviewed)


def _backdate(update: ProgressUpdate, to_state: str, at: dt.datetime, **fields) -> None:
    """The services stamp a transition "now"; the demo's happened on the day replayed."""
    ProgressTransition.objects.filter(update=update, to_state=to_state).update(at=at)
    if fields:
        backdate(update, **fields)
