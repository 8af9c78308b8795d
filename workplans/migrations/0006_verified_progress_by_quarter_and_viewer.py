import itertools

import django.db.models.deletion
from django.db import migrations, models

BATCH = 5000
DECIDED = ("approved", "superseded")


def fill(apps, schema_editor):
    """Each lineage's latest verified update as at every quarter, for each set of updates
    some viewers see, as workplans.services.progress_latest.lineage_rows keeps it (its rule
    as it stood when this table was made, copied here so the migration never changes)."""
    ProgressUpdate = apps.get_model("workplans", "ProgressUpdate")
    VerifiedProgress = apps.get_model("workplans", "VerifiedProgress")

    def rows_of(lineage, updates):
        groups = {}

        def seen_by(members, **flags):
            if members:
                group = groups.setdefault(
                    frozenset(u[0] for u in members),
                    {"members": members, "everyone": False, "decided": False, "lead": None},
                )
                group.update(flags)

        # (pk, quarter, status, percent, lead, decided)
        seen_by(updates, everyone=True)
        seen_by([u for u in updates if u[5]], decided=True)
        for lead in sorted({u[4] for u in updates}):
            seen_by([u for u in updates if u[4] == lead], lead=lead)
        for group in groups.values():
            newest = {}
            for update in sorted(group["members"], key=lambda u: (u[1], u[0])):
                newest[update[1]] = update
            quarters = sorted(newest)
            for quarter, until in zip(quarters, [*quarters[1:], None], strict=True):
                pk, _quarter, status, percent, _lead, _decided = newest[quarter]
                yield VerifiedProgress(
                    lineage=lineage,
                    quarter=quarter,
                    until_quarter=until,
                    everyone=group["everyone"],
                    decided=group["decided"],
                    lead_counterpart_id=group["lead"],
                    update_id=pk,
                    status=status,
                    percent_complete=percent,
                )

    ordered = (
        ProgressUpdate.objects.filter(state="verified")
        .order_by("activity__lineage", "pk")
        .values_list(
            "activity__lineage",
            "pk",
            "quarter",
            "status",
            "percent_complete",
            "activity__lead_counterpart_id",
            "activity__version__status",
        )
    )
    pending = []
    for lineage, rows in itertools.groupby(ordered.iterator(chunk_size=BATCH), lambda r: r[0]):
        updates = [(*row[1:6], row[6] in DECIDED) for row in rows]
        pending.extend(rows_of(lineage, updates))
        if len(pending) >= BATCH:
            VerifiedProgress.objects.bulk_create(pending, batch_size=BATCH)
            pending = []
    VerifiedProgress.objects.bulk_create(pending, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0001_initial"),
        ("workplans", "0005_row_counts"),
    ]

    operations = [
        migrations.DeleteModel(name="VerifiedProgress"),
        migrations.CreateModel(
            name="VerifiedProgress",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("lineage", models.UUIDField()),
                ("quarter", models.PositiveSmallIntegerField()),
                ("until_quarter", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("everyone", models.BooleanField()),
                ("decided", models.BooleanField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("not_started", "Not started"),
                            ("on_track", "On track"),
                            ("delayed", "Delayed"),
                            ("completed", "Completed"),
                            ("cancelled", "Cancelled"),
                        ],
                        max_length=12,
                    ),
                ),
                ("percent_complete", models.PositiveSmallIntegerField()),
                (
                    "lead_counterpart",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="organisations.organisation",
                    ),
                ),
                (
                    "update",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="workplans.progressupdate",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "verified progress",
                "indexes": [models.Index(fields=["lineage"], name="workplans_v_lineage_83971d_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("everyone", True)),
                        fields=("lineage", "quarter"),
                        name="uniq_verified_progress_everyone",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("decided", True)),
                        fields=("lineage", "quarter"),
                        name="uniq_verified_progress_decided",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("lead_counterpart__isnull", False)),
                        fields=("lineage", "lead_counterpart", "quarter"),
                        name="uniq_verified_progress_lead",
                    ),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
