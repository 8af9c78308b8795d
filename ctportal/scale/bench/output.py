"""The bench's one table, with year-to-decade growth when both scales have been run."""

import json
from pathlib import Path

ORDER = ("year", "decade")


def load_other(directory: Path, scale: str) -> dict | None:
    """The other scale's results (year for a decade run, decade for a year run), if kept."""
    if scale not in ORDER:
        return None
    other = directory / f"{ORDER[1 - ORDER.index(scale)]}.json"
    return json.loads(other.read_text()) if other.exists() else None


def _growth(result: dict, other: dict | None) -> dict[str, float]:
    """decade median / year median per request name, whichever of the two this run is."""
    if other is None:
        return {}
    runs = {result["scale"]: result, other["scale"]: other}
    year = {r["name"]: r["median_ms"] for r in runs["year"]["requests"]}
    return {
        r["name"]: round(r["median_ms"] / year[r["name"]], 2)
        for r in runs["decade"]["requests"]
        if year.get(r["name"])
    }


def table(result: dict, other: dict | None) -> str:
    growth = _growth(result, other)
    head = f"{'request':44} {'median ms':>10} {'p95 ms':>9} {'queries':>7} {'x floor':>8}"
    head += f" {'KB':>8} {'dec/year':>8} {'first ms':>9}"
    lines = [f"Scale {result['scale']} ({result['database']}), {result['rows']}", "", head]
    for r in result["requests"]:
        status = "" if r["status"] == 200 else f"  HTTP {r['status']}"
        queries = "-" if r["queries"] is None else r["queries"]
        lines.append(
            f"{r['name'][:44]:44} {r['median_ms']:>10} {r['p95_ms']:>9} {queries:>7} "
            f"{r['x_floor']:>8} {r['bytes'] // 1024:>8} {growth.get(r['name'], ''):>8} "
            f"{r.get('first_ms') or '':>9}{status}"
        )
    t = result["throughput"]
    lines += [
        "",
        f"Throughput, {t['clients']} clients for {t['seconds']:.0f} s: floor {t['floor_rps']}/s, "
        f"{t['list']} {t['list_rps']}/s = {t['share_of_floor']:.0%} of the floor's",
    ]
    for run in result.get("report", []):
        if run.get("seconds") is None:
            lines.append(f"Overall monthly report, {run['workers']} worker(s): {run['note']}")
        else:
            lines.append(
                f"Overall monthly report, {run['workers']} worker(s): {run['seconds']} s, "
                f"peak {run['peak_mb']} MB ({run['status']})"
            )
    return "\n".join(lines)
