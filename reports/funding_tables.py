"""The funding dashboard's tables of funding next to what it achieved: activities by
province, activity status per quarter and verified results against approved targets
(reports.funding_results). They read workplan results, so they live in reports, built on
donors.tables like the money-only tables."""

from donors.tables.base import Cell, Column, Links, Row, Table, chart_value, money_cell
from reports.funding_results import ProvinceActivity, ResultsRow
from workplans.models import ProgressUpdate
from workplans.selectors_funding_results import QuarterStatus


def province_table(provinces: list[ProvinceActivity], links: Links) -> tuple[Table, dict]:
    rows = [
        Row(
            [
                Cell(
                    p.name,
                    url=links.url("donors:dashboard", province=p.code, fragment="projects")
                    if p.code
                    else "",
                ),
                money_cell(p.funding_usd, "USD"),
                Cell(p.activities),
            ]
        )
        for p in provinces
    ]
    table = Table(
        name="province_activity",
        title="Funding and activities by province",
        columns=[
            Column("Province"),
            Column("Funding of projects active there (USD)", "money"),
            Column("Activities", "int"),
        ],
        rows=rows,
        notes=[
            "A project (and an activity) covering several provinces counts in each. "
            "Activities: those of the in-force approved workplans these projects pay for."
        ],
    )
    chart = {
        "type": "bar",
        "title": "Funding (USD) and activities by province",
        "labels": [p.name for p in provinces],
        "unit": "USD",
        "datasets": [
            {"label": "Funding (USD)", "data": [chart_value(p.funding_usd) for p in provinces]},
            {
                "label": "Activities",
                "data": [p.activities for p in provinces],
                "axis": "count",
            },
        ],
    }
    return table, chart


_STATUSES = list(ProgressUpdate.Status.choices)


def quarter_table(quarters: list[QuarterStatus]) -> tuple[Table, dict]:
    rows = [
        Row(
            [Cell(q.label)]
            + [Cell(q.counts.get(value, 0)) for value, _ in _STATUSES]
            + [Cell(sum(q.counts.values()))]
        )
        for q in quarters
    ]
    table = Table(
        name="quarter_status",
        title="Activity status per quarter (verified progress)",
        columns=[Column("Quarter")]
        + [Column(label, "int") for _, label in _STATUSES]
        + [Column("Activities reported", "int")],
        rows=rows,
        notes=["Only verified progress updates count; drafts and submitted updates do not."],
        empty="No verified progress has been reported on these projects' activities yet.",
    )
    chart = {
        "type": "bar",
        "stacked": True,
        "title": "Activity status per quarter",
        "labels": [q.label for q in quarters],
        "unit": "",
        # Only the statuses that occur (an empty series would crowd the legend), each with
        # the same pattern and colour on every page (`style`).
        "datasets": [
            {"label": label, "data": [q.counts.get(value, 0) for q in quarters], "style": index}
            for index, (value, label) in enumerate(_STATUSES)
            if any(q.counts.get(value) for q in quarters)
        ],
    }
    return table, chart


def results_table(rows: list[ResultsRow], links: Links) -> Table:
    out = []
    for r in rows:
        targets = "; ".join(
            f"{i.code}: {i.achieved.normalize():,f} of {i.target.normalize():,f} {i.unit}"
            for i in r.indicators
        )
        if r.output_code is None:
            out.append(
                Row(
                    [
                        Cell(
                            r.project_code,
                            r.project_title,
                            url=links.url("donors:project-funding", r.project_code),
                        ),
                        money_cell(r.received_usd, "USD"),
                        money_cell(
                            r.spent_usd,
                            "USD",
                            url=links.url("donors:expenditure-list", project=r.project_code),
                        ),
                        Cell(None),
                        Cell(targets or "No approved targets"),
                        Cell(r.share_met),
                    ]
                )
            )
        else:
            out.append(
                Row(
                    [
                        Cell(r.output_code, r.output_title),
                        money_cell(r.received_usd, "USD"),
                        money_cell(r.spent_usd, "USD"),
                        Cell(r.budget_share),
                        Cell(targets),
                        Cell(r.share_met),
                    ],
                    level=1,
                )
            )
    return Table(
        name="results",
        title="Money and results",
        columns=[
            Column("Project / output", secondary="Title"),
            Column("Received (USD)", "money"),
            Column("Spent (USD)", "money"),
            Column("Share of activity budget", "percent"),
            Column("Verified achievement against approved targets"),
            Column("Share of targets met", "percent"),
        ],
        rows=out,
        notes=[
            "Targets are those of the in-force approved workplan; achievements count only "
            "when verified. An output's share of targets met is the mean of its indicators' "
            "achievement (each capped at 100%); the project's is the mean over all its "
            "indicators.",
            "An output's money is the project's, split by the output's share of the "
            "project's planned activity budget.",
        ],
    )
