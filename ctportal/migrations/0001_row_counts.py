"""The table of kept row counts and its trigger functions (ctportal.row_counts)."""

from django.db import migrations

from ctportal import row_counts


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(row_counts.create, row_counts.drop, elidable=False)]
