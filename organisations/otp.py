"""The second factor: a time-based one-time code (TOTP, RFC 6238) from an authenticator app.

Required for the roles in CTPORTAL_REQUIRE_OTP_FOR (organisations.access), optional for
everyone else. Anyone with a confirmed device is asked for its code after their password;
a required role without one is sent to set one up first. A user has at most one confirmed
device: setting up a new one replaces it once the new one's first code is confirmed. An
administrator who loses their phone is helped by another, who deletes the device in the
admin ("TOTP devices"), after which setting up starts again.

django-otp slows down guessing by itself: after each wrong code the device refuses every
code for a doubling number of seconds.
"""

import base64

import qrcode
import qrcode.image.svg
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ctportal.exceptions import DomainError
from organisations import access

DEVICE_NAME = "Authenticator app"


# --- Reads ----------------------------------------------------------------------------


def otp_device_confirmed(*, user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def otp_needs_code(*, user: AbstractBaseUser) -> bool:
    """Whether this signed-in user must give a code before using the portal: they hold a
    confirmed device, or their role requires one."""
    if not getattr(user, "is_authenticated", False):
        return False
    return access.must_use_second_factor(user) or otp_device_confirmed(user=user) is not None


def otp_secret_text(*, device: TOTPDevice) -> str:
    """The device's key in base32, in groups of four, for typing into an app by hand."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def otp_qr_svg(*, device: TOTPDevice) -> str:
    """The device's otpauth:// address as an SVG QR code, to put inline in the page (no
    image request, no script, no inline style)."""
    image = qrcode.make(
        device.config_url,
        image_factory=qrcode.image.svg.SvgPathImage,
        box_size=10,
        border=4,
    )
    svg = image.to_string(encoding="unicode")
    # A title makes the picture speak to a screen reader; its size comes from CSS.
    return svg.replace(
        "<path",
        "<title>QR code of your secret key, for an authenticator app</title><path",
        1,
    ).replace("<svg ", '<svg class="otp-qr" role="img" ', 1)


# --- Writes ---------------------------------------------------------------------------
# A wrong code must stay counted against the device (django-otp's growing wait) although
# the call then fails, so these raise only after their transaction has committed.


def _code_error(device: TOTPDevice, code: str) -> DomainError | None:
    """None if the device accepts the code; otherwise the error, the failure recorded."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return DomainError(
            "Too many wrong codes in a row. Wait a minute, then enter the newest code.",
            field="code",
            code="otp_throttled",
        )
    code = (code or "").strip().replace(" ", "")
    well_formed = code.isdigit() and len(code) == device.digits
    if well_formed and device.verify_token(code):
        return None
    if not well_formed:
        device.throttle_increment(commit=True)  # verify_token counts the others itself
    return DomainError(
        f"That code is not right. Enter the {device.digits}-digit code your app shows now.",
        field="code",
        code="invalid_otp_code",
    )


@transaction.atomic
def otp_setup_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """A new, unconfirmed device with a fresh secret for the user to add to their app (the
    same one again while it stays unconfirmed, so reloading the page keeps the QR code)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def otp_setup_confirm(*, user: AbstractBaseUser, code: str) -> TOTPDevice:
    """The first right code from the new device confirms it and replaces any older one."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("-id")
            .first()
        )
        if device is None:
            error = DomainError(
                "Start again: open the set-up page to get a new QR code.",
                field="code",
                code="no_device_pending",
            )
        else:
            error = _code_error(device, code)
        if error is None:
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    if error is not None:
        raise error
    return device


def otp_verify(*, user: AbstractBaseUser, code: str) -> TOTPDevice:
    """The user's confirmed device accepts the code (each code only once)."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=True)
            .order_by("-id")
            .first()
        )
        if device is None:
            error = DomainError(
                "You have no authenticator app set up yet.", field="code", code="no_device"
            )
        else:
            error = _code_error(device, code)
    if error is not None:
        raise error
    return device


def otp_disable(*, user: AbstractBaseUser, code: str) -> None:
    """Someone whose role does not require a second factor may turn it off, with a code."""
    if access.must_use_second_factor(user):
        raise DomainError(
            "Your role signs in with a code; it cannot be turned off.",
            field="code",
            code="otp_required_for_role",
        )
    otp_verify(user=user, code=code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
