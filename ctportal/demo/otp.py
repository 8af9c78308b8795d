"""Demo accounts that can still be tried when their role signs in with a second factor.

With CTPORTAL_REQUIRE_OTP_FOR on (local settings, `make run`), the demo users of those roles
(`manager`, `admin`) get an authenticator device whose secret is fixed and printed by
`manage.py demo_logins`, so a person trying the demo adds it to an app (or asks
`demo_logins --codes` for the current codes). The secret is public: never on a production
database (load_demo creates none there).
"""

import base64
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ctportal.demo import data

# 20 bytes, as django-otp makes them; printed in base32 below.
DEMO_OTP_KEY_HEX = "63742d706f7274616c2d64656d6f2d746f74702d"
DEMO_DEVICE_NAME = "Demo authenticator (public secret)"


def demo_otp_secret() -> str:
    """The demo key as an authenticator app takes it (base32)."""
    return base64.b32encode(bytes.fromhex(DEMO_OTP_KEY_HEX)).decode().rstrip("=")


def demo_otp_usernames() -> list[str]:
    """The demo users whose role signs in with a second factor in these settings."""
    required = set(settings.CTPORTAL_REQUIRE_OTP_FOR)
    return [username for username, _f, _l, _org, role in data.USERS if role in required]


def demo_otp_code(*, at: float | None = None) -> str:
    """The code an app holding the demo key shows now (or at the given Unix time)."""
    totp = TOTP(bytes.fromhex(DEMO_OTP_KEY_HEX), step=30, digits=6)
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


@transaction.atomic
def demo_otp_devices() -> list[str]:
    """Give each demo user whose role requires a second factor the demo device (unless they
    already have a confirmed one); returns the usernames that got one."""
    if getattr(settings, "CTPORTAL_PRODUCTION", False):
        return []
    given = []
    users = get_user_model().objects.filter(username__in=demo_otp_usernames())
    for user in users.order_by("username"):
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            continue
        TOTPDevice.objects.create(
            user=user, name=DEMO_DEVICE_NAME, key=DEMO_OTP_KEY_HEX, confirmed=True
        )
        given.append(user.get_username())
    return given
