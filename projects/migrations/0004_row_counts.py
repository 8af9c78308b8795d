"""Exact row counts kept by triggers for the lists' pages (ctportal.row_counts)."""

from django.db import migrations

from ctportal import row_counts


class Migration(migrations.Migration):
    dependencies = [
        ("ctportal", "0001_row_counts"),
        ("projects", "0003_indexes_for_list_filters"),
    ]

    operations = [
        migrations.RunPython(row_counts.install("projects_expenditure"), row_counts.uninstall("projects_expenditure")),
    ]
