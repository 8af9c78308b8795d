"""Security events (sign-ins, lockouts, role, permission and token changes) for the audit page."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0003_api_token_expires_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SecurityEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('when', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('kind', models.CharField(choices=[('sign_in', 'Sign-in'), ('sign_in_failed', 'Failed sign-in'), ('locked_out', 'Lockout'), ('unlocked', 'Unlock'), ('role_changed', 'Role change'), ('permission_changed', 'Permission change'), ('token_created', 'Token created'), ('token_revoked', 'Token revoked')], max_length=30)),
                ('username', models.CharField(blank=True, max_length=150)),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('user_agent', models.CharField(blank=True, max_length=300)),
                ('detail', models.TextField(blank=True)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='security_events_done', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='security_events', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-when', '-id'],
                'indexes': [models.Index(fields=['kind', 'when'], name='organisatio_kind_46be0a_idx'), models.Index(fields=['username', 'when'], name='organisatio_usernam_0f74b4_idx')],
            },
        ),
    ]
