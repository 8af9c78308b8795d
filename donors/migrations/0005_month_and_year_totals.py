"""Month and year totals of tranches and expenditures (issue 14; donors.services.totals
keeps them), filled from the rows already there."""

import django.db.models.deletion
from django.db import migrations, models


def fill(apps, schema_editor):
    """Each total summed from the rows in one INSERT ... SELECT per table, as
    donors.services.totals.funding_totals_rebuild does (written out here with the models
    of this migration)."""
    from django.db.models import Count, DecimalField, Sum, Value
    from django.db.models.functions import Coalesce, TruncMonth, TruncYear

    def money(name):
        return Coalesce(
            Sum(name), Value(0), output_field=DecimalField(max_digits=20, decimal_places=2)
        )

    tranches = apps.get_model("donors", "Disbursement")
    spending = apps.get_model("projects", "Expenditure")
    tranche_sums = {
        "tranches": Count("pk"),
        **{name: money(name) for name in ("planned_amount", "planned_amount_usd")},
        **{name: money(name) for name in ("received_amount", "received_amount_usd")},
    }
    spending_sums = {"expenditures": Count("pk"), "amount_usd": money("amount_usd")}
    tables = (
        (
            "DisbursementMonth",
            tranches,
            "agreement",
            {
                "planned_month": TruncMonth("planned_date"),
                "received_month": TruncMonth("received_date"),
            },
            (),
            tranche_sums,
        ),
        (
            "DisbursementYear",
            tranches,
            "agreement",
            {
                "planned_year": TruncYear("planned_date"),
                "received_year": TruncYear("received_date"),
            },
            (),
            tranche_sums,
        ),
        (
            "ExpenditureMonth",
            spending,
            "project",
            {"month": TruncMonth("spent_on")},
            (),
            spending_sums,
        ),
        (
            "ExpenditureYear",
            spending,
            "project",
            {"year": TruncYear("spent_on")},
            (),
            spending_sums,
        ),
        (
            "ExpenditureCategoryYear",
            spending,
            "project",
            {"year": TruncYear("spent_on")},
            ("category",),
            spending_sums,
        ),
    )
    qn = schema_editor.quote_name
    for name, rows, owner, dates, groups, sums in tables:
        model = apps.get_model("donors", name)
        grouped = (
            rows.objects.order_by()
            .values(f"{owner}_id", *groups, **{f"p_{k}": v for k, v in dates.items()})
            .annotate(**{f"s_{k}": v for k, v in sums.items()})
        )
        columns = {
            owner: f"{owner}_id",
            **{k: f"p_{k}" for k in dates},
            **{g: g for g in groups},
            **{k: f"s_{k}" for k in sums},
        }
        targets = ", ".join(qn(model._meta.get_field(k).column) for k in columns)
        sources = ", ".join(qn(v) for v in columns.values())
        sql, params = grouped.query.sql_with_params()
        schema_editor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({targets}) "
            f"SELECT {sources} FROM ({sql}) sums",
            params,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("donors", "0004_row_counts"),
        ("projects", "0003_indexes_for_list_filters"),
    ]

    operations = [
        migrations.CreateModel(
            name="DisbursementMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tranches", models.PositiveIntegerField()),
                ("planned_amount", models.DecimalField(decimal_places=2, max_digits=20)),
                ("planned_amount_usd", models.DecimalField(decimal_places=2, max_digits=20)),
                ("received_amount", models.DecimalField(decimal_places=2, max_digits=20)),
                ("received_amount_usd", models.DecimalField(decimal_places=2, max_digits=20)),
                ("planned_month", models.DateField()),
                (
                    "received_month",
                    models.DateField(blank=True, help_text="Empty: not received.", null=True),
                ),
                (
                    "agreement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="donors.fundingagreement",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["planned_month"], name="donors_disb_planned_19bca1_idx"),
                    models.Index(fields=["received_month"], name="donors_disb_receive_4bc87c_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("received_month__isnull", False)),
                        fields=("agreement", "planned_month", "received_month"),
                        name="uniq_disbursement_month_received",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("received_month__isnull", True)),
                        fields=("agreement", "planned_month"),
                        name="uniq_disbursement_month_unpaid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="DisbursementYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("tranches", models.PositiveIntegerField()),
                ("planned_amount", models.DecimalField(decimal_places=2, max_digits=20)),
                ("planned_amount_usd", models.DecimalField(decimal_places=2, max_digits=20)),
                ("received_amount", models.DecimalField(decimal_places=2, max_digits=20)),
                ("received_amount_usd", models.DecimalField(decimal_places=2, max_digits=20)),
                ("planned_year", models.DateField()),
                (
                    "received_year",
                    models.DateField(blank=True, help_text="Empty: not received.", null=True),
                ),
                (
                    "agreement",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="donors.fundingagreement",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("received_year__isnull", False)),
                        fields=("agreement", "planned_year", "received_year"),
                        name="uniq_disbursement_year_received",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("received_year__isnull", True)),
                        fields=("agreement", "planned_year"),
                        name="uniq_disbursement_year_unpaid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ExpenditureCategoryYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("expenditures", models.PositiveIntegerField()),
                ("amount_usd", models.DecimalField(decimal_places=2, max_digits=20)),
                ("year", models.DateField()),
                ("category", models.CharField(max_length=20)),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "year", "category"),
                        name="uniq_expenditure_category_year",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ExpenditureMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("expenditures", models.PositiveIntegerField()),
                ("amount_usd", models.DecimalField(decimal_places=2, max_digits=20)),
                ("month", models.DateField()),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["month"], name="donors_expe_month_fed67f_idx")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "month"), name="uniq_expenditure_month"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ExpenditureYear",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("expenditures", models.PositiveIntegerField()),
                ("amount_usd", models.DecimalField(decimal_places=2, max_digits=20)),
                ("year", models.DateField()),
                (
                    "project",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="projects.project",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("project", "year"), name="uniq_expenditure_year"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
