"""API tokens get an expiry date. Tokens created before it had none: they get 90 days from
the migration, so the scripts using them keep working while their owners make new ones."""

import datetime

from django.db import migrations, models
from django.utils import timezone

EXISTING_TOKENS_LAST = datetime.timedelta(days=90)


def give_existing_tokens_an_expiry(apps, schema_editor):
    ApiToken = apps.get_model("organisations", "ApiToken")
    ApiToken.objects.filter(expires_at__isnull=True).update(
        expires_at=timezone.now() + EXISTING_TOKENS_LAST
    )


class Migration(migrations.Migration):

    dependencies = [
        ("organisations", "0002_api_token"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(give_existing_tokens_an_expiry, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(),
        ),
    ]
