"""The demo on a production database (load_demo --allow-production): no account keeps the
published demo password. The administrator gets a random one, printed once by the command;
every other demo user gets an unusable one (an administrator sets theirs, or they use
"Forgotten your password?")."""

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction

from ctportal.demo import data

ADMIN_USERNAME = "admin"


@transaction.atomic
def demo_passwords_withdraw() -> str | None:
    """Replace the demo password wherever a demo user still has it; returns the
    administrator's new password if theirs was replaced (None otherwise)."""
    usernames = [username for username, *_rest in data.USERS]
    admin_password = None
    for user in get_user_model().objects.filter(username__in=usernames).order_by("username"):
        if not user.check_password(data.DEMO_PASSWORD):
            continue
        if user.get_username() == ADMIN_USERNAME:
            admin_password = secrets.token_urlsafe(18)
            user.set_password(admin_password)
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
    return admin_password
