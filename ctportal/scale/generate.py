"""Deterministic synthetic data at the scale DESIGN.md plans for (issue 14).

It writes every app's tables, so it lives here, at the composition root, beside the
demo data. `generate_scale_data` is its command; `make bench` measures what it built.
Not written: the history tables (no page reads them at scale), reports, notifications,
meetings and progress transitions.
"""

import importlib
import random
import time
from collections.abc import Callable

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from ctportal.scale import funding, results
from ctportal.scale.profiles import PROFILES, Profile
from ctportal.scale.writer import empty_portal_tables, refuse_unless_allowed, reset_sequences

PORTAL_APPS = ("organisations", "alerts", "projects", "donors", "workplans", "reports")
# Tables the services keep in step with the rows they write (issue 14's summaries). COPY
# bypasses the services, so each is rebuilt from the rows once they are all in.
DERIVED = (
    "workplans.services.progress_latest.verified_progress_rebuild",
    "donors.services.totals.funding_totals_rebuild",
)
SEED = 14  # the number: any fixed seed makes every run write the same rows


def portal_models() -> list:
    models = [m for label in PORTAL_APPS for m in apps.get_app_config(label).get_models()]
    return [*models, get_user_model()]


def generate(profile: Profile, *, force: bool = False, say: Callable[[str], None] = print) -> dict:
    """Write `profile`'s data in one transaction; returns the row counts written."""
    refuse_unless_allowed(force=force)
    rng = random.Random(SEED)
    started = time.monotonic()

    def step(label: str) -> None:
        say(f"  {time.monotonic() - started:6.1f} s  {label}")

    counts: dict[str, int] = {}
    with transaction.atomic():
        if force:
            empty_portal_tables(portal_models())
        built = funding.Built()
        unodc, *donors = funding.build_people(profile, built)
        funding.build_rates(profile)
        agreements = funding.build_agreements(profile, rng, unodc, donors)
        projects = funding.build_projects(profile, rng, agreements, built)
        step("organisations, users, rates, agreements, projects, allocations")
        counts["disbursements"] = funding.build_tranches(profile, rng, agreements)
        step(f"{counts['disbursements']:,} disbursements")
        counts["expenditures"] = funding.build_expenditures(profile, rng, projects)
        step(f"{counts['expenditures']:,} expenditures")
        framework = results.build_framework(built)
        versions = results.build_workplans(profile, built)
        activities = results.build_activities(profile, rng, built, versions, framework)
        counts["activities"] = len(activities)
        step(f"{len(activities):,} activities and their targets")
        counts["progress_updates"] = results.build_progress(profile, rng, built, activities)
        step(f"{counts['progress_updates']:,} progress updates")
        reset_sequences(portal_models())
        for dotted in DERIVED:
            module, name = dotted.rsplit(".", 1)
            try:
                rebuild = getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                step(f"NOT rebuilt: {dotted} is gone; find what replaced it")
                continue
            rebuild()
            step(f"rebuilt by {dotted}")
    # Fresh statistics, so the first benchmark plans with them rather than with guesses;
    # on PostgreSQL a VACUUM too, whose visibility map lets counts read an index alone
    # (the review queue's count of submitted updates: about 100 ms -> 2 ms at the decade),
    # as autovacuum would some time after a real load. VACUUM cannot run in a transaction.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.get_autocommit():
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    step("analysed")
    counts.update(donors=len(donors), agreements=len(agreements), projects=len(projects))
    return counts


__all__ = ["PROFILES", "generate"]
