"""Plumbing shared by the workplan services: row locks, value parsing (audited saves are
ctportal.audit_trail's)."""

from decimal import Decimal, InvalidOperation

from ctportal.exceptions import DomainError
from workplans.models import Workplan, WorkplanVersion


def lock_workplan(workplan_id: int) -> Workplan:
    """Every change of a workplan's version statuses holds this lock first, so two of them
    (an approval and a revision, say) cannot interleave."""
    return Workplan.objects.select_for_update().get(pk=workplan_id)


def lock_version(version_id: int) -> WorkplanVersion:
    """The version row as it is now, locked: its status decides whether it may change."""
    return (
        WorkplanVersion.objects.select_for_update(of=("self",))
        .select_related("workplan")
        .get(pk=version_id)
    )


def frozen_error(version: WorkplanVersion) -> DomainError:
    """Why the activities of `version` cannot change now."""
    name = f"Version {version.number} of {version.workplan.code}"
    Status = WorkplanVersion.Status
    if version.status == Status.SUBMITTED:
        message = (
            f"{name} is submitted for approval and frozen; it can change again only if the "
            "EWG returns it."
        )
    elif version.status == Status.SUPERSEDED:
        message = f"{name} is superseded and frozen; start a revision of the version in force."
    else:
        status = version.get_status_display().lower()
        message = f"{name} is {status} and frozen; start a revision to change it."
    return DomainError(message, code="version_frozen")


def require_editable(version: WorkplanVersion) -> None:
    if not version.is_editable:
        raise frozen_error(version)


def illegal_transition(
    *, what: str, current_label: str, action: str, field: str = "status"
) -> DomainError:
    return DomainError(
        f"{what} is {current_label.lower()}; it cannot be {action}.",
        field=field,
        code="illegal_transition",
    )


def to_decimal(value, *, field: str, what: str) -> Decimal:
    """A Decimal from an int, str or Decimal (floats go through str to keep their digits)."""
    if isinstance(value, bool):
        raise DomainError(f"{what} must be a number.", field=field, code="invalid_number")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(f"{what} must be a number.", field=field, code="invalid_number") from None
    if not number.is_finite():
        raise DomainError(f"{what} must be a number.", field=field, code="invalid_number")
    return number


def fits_digits(number: Decimal, *, max_digits: int, decimal_places: int) -> bool:
    """True when `number` can be stored in a DecimalField of this shape without rounding."""
    if abs(number) >= Decimal(10) ** (max_digits - decimal_places):
        return False
    return number == number.quantize(Decimal(1).scaleb(-decimal_places))


def require_text(value: str, *, field: str, what: str, max_length: int | None = None) -> str:
    """The stripped text, which must not be empty nor longer than the column allows."""
    text = (value or "").strip()
    if not text:
        raise DomainError(f"{what} is required.", field=field, code="required")
    check_length(text, field=field, what=what, max_length=max_length)
    return text


def check_length(text: str, *, field: str, what: str, max_length: int | None) -> None:
    if max_length is not None and len(text) > max_length:
        raise DomainError(
            f"{what} has {len(text)} characters; at most {max_length} are allowed.",
            field=field,
            code="too_long",
        )
