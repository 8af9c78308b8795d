"""Exact row counts kept by triggers for the lists' pages (ctportal.row_counts)."""

from django.db import migrations

from ctportal import row_counts


class Migration(migrations.Migration):
    dependencies = [
        ("ctportal", "0001_row_counts"),
        ("workplans", "0004_verified_progress"),
    ]

    operations = [
        migrations.RunPython(row_counts.install("workplans_progressupdate"), row_counts.uninstall("workplans_progressupdate")),
        migrations.RunPython(row_counts.install("workplans_activity"), row_counts.uninstall("workplans_activity")),
    ]
