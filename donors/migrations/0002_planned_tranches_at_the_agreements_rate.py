"""Planned tranches take their agreement's USD rate (ctportal.figures.USD_POLICY): money
not yet received has one USD value, the commitment's, wherever it appears."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations


def planned_at_the_agreements_rate(apps, schema_editor):
    Disbursement = apps.get_model("donors", "Disbursement")
    changed = []
    for tranche in Disbursement.objects.select_related("agreement").iterator(chunk_size=2000):
        rate = tranche.agreement.usd_rate
        usd = (tranche.planned_amount * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if (tranche.planned_usd_rate, tranche.planned_amount_usd) != (rate, usd):
            tranche.planned_usd_rate, tranche.planned_amount_usd = rate, usd
            changed.append(tranche)
    Disbursement.objects.bulk_update(
        changed, ["planned_usd_rate", "planned_amount_usd"], batch_size=2000
    )


class Migration(migrations.Migration):
    dependencies = [("donors", "0001_initial")]

    operations = [migrations.RunPython(planned_at_the_agreements_rate, migrations.RunPython.noop)]
