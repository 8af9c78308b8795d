"""Writes for organisations, users and roles: who belongs where, in which role.

A role only makes sense in an organisation of the right kind (a donor viewer sees one
donor's figures, counterpart staff report for one counterpart), so every membership
goes through `membership_set`, which also keeps Django's staff and superuser flags in
step with the role: the admin is for administrators only.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.db.models import QuerySet

from ctportal.exceptions import DomainError
from organisations.audit import security_event_record
from organisations.models import Membership, Organisation, Role, SecurityEvent

Kind = Organisation.Kind

# The kinds of organisation each role may belong to.
ROLE_KINDS: dict[str, frozenset[str]] = {
    Role.PROGRAMME_MANAGER: frozenset({Kind.IMPLEMENTER}),
    Role.COUNTERPART_STAFF: frozenset({Kind.COUNTERPART}),
    Role.DONOR_VIEWER: frozenset({Kind.DONOR}),
    # NACTA (a counterpart) or UNODC (the implementer) runs the EWG secretariat.
    Role.EWG_SECRETARIAT: frozenset({Kind.IMPLEMENTER, Kind.COUNTERPART}),
    Role.ADMINISTRATOR: frozenset(Kind.values),
}

# IATI OrganisationType codelist (../shared/iati/codelists/OrganisationType.xml).
IATI_ORGANISATION_TYPES = frozenset(
    {"10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71", "72", "73", "80", "90"}
)
ORGANISATION_FIELDS = frozenset(
    {"name", "short_name", "kind", "iati_identifier", "iati_type", "notes"}
)


# --- Organisations ------------------------------------------------------------


def organisation_validate(
    *,
    name: str,
    short_name: str,
    kind: str,
    iati_type: str = "",
    organisation: Organisation | None = None,
) -> None:
    """Names are unique, the kind is known, the IATI type is on the IATI codelist, and an
    existing organisation keeps the kind its members' roles and its records depend on."""
    existing = organisation if organisation is not None and organisation.pk else None
    others = Organisation.objects.exclude(pk=existing.pk) if existing else Organisation.objects
    if not name.strip():
        raise DomainError("Enter the organisation's name.", field="name", code="required")
    if not short_name.strip():
        raise DomainError("Enter a short name.", field="short_name", code="required")
    if others.filter(name__iexact=name).exists():
        raise DomainError(
            f"An organisation named {name} already exists.", field="name", code="duplicate_name"
        )
    if others.filter(short_name__iexact=short_name).exists():
        raise DomainError(
            f"The short name {short_name} is taken.",
            field="short_name",
            code="duplicate_short_name",
        )
    if kind not in Kind.values:
        raise DomainError(
            f"{kind!r} is not a kind of organisation.", field="kind", code="invalid_choice"
        )
    if iati_type and iati_type not in IATI_ORGANISATION_TYPES:
        raise DomainError(
            f"{iati_type} is not an IATI organisation type (10 government, 40 multilateral, ...).",
            field="iati_type",
            code="invalid_iati_type",
        )
    if existing is not None and kind != existing.kind:
        _check_kind_change(existing, kind)


def _check_kind_change(organisation: Organisation, kind: str) -> None:
    misfit = (
        Membership.objects.filter(organisation=organisation)
        .exclude(role__in=[role for role, kinds in ROLE_KINDS.items() if kind in kinds])
        .values_list("role", flat=True)
        .first()
    )
    if misfit is not None:
        raise DomainError(
            f"It has members in the role {Role(misfit).label}, which needs another kind.",
            field="kind",
            code="kind_in_use",
        )
    # Projects and agreements point here through these relations; a donor that stopped
    # being a donor would leave its agreements' figures visible to nobody.
    uses = {
        Kind.COUNTERPART: [
            ("counterpart_projects", "a project counterpart"),
            ("activities_led", "the lead of workplan activities"),
        ],
        Kind.DONOR: [("agreements_funded", "the donor of an agreement")],
        Kind.IMPLEMENTER: [("agreements_implemented", "the implementer of an agreement")],
    }[organisation.kind]
    for related_name, what in uses:
        if getattr(organisation, related_name).exists():
            raise DomainError(
                f"It is {what}, so its kind cannot change.", field="kind", code="kind_in_use"
            )


@transaction.atomic
def organisation_create(
    *,
    name: str,
    short_name: str,
    kind: str,
    iati_identifier: str = "",
    iati_type: str = "",
    notes: str = "",
) -> Organisation:
    """An organisation has a unique name and short name, a known kind and an IATI type from the
    codelist."""
    organisation_validate(name=name, short_name=short_name, kind=kind, iati_type=iati_type)
    return Organisation.objects.create(
        name=name,
        short_name=short_name,
        kind=kind,
        iati_identifier=iati_identifier,
        iati_type=iati_type,
        notes=notes,
    )


@transaction.atomic
def organisation_update(*, organisation: Organisation, **fields: Any) -> Organisation:
    """Change an organisation under the create rules; its kind stays while anything needs it."""
    unknown = set(fields) - ORGANISATION_FIELDS
    if unknown:
        raise TypeError(f"Organisation has no editable field(s): {', '.join(sorted(unknown))}")
    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    organisation_validate(
        organisation=current,
        name=fields.get("name", organisation.name),
        short_name=fields.get("short_name", organisation.short_name),
        kind=fields.get("kind", organisation.kind),
        iati_type=fields.get("iati_type", organisation.iati_type),
    )
    for name, value in fields.items():
        setattr(organisation, name, value)
    organisation.save()
    return organisation


# --- Memberships and users ----------------------------------------------------


def membership_validate(
    *, user: AbstractUser | None, organisation: Organisation, role: str
) -> None:
    """A role needs an organisation of its kind, and the last administrator keeps the role."""
    if role not in Role.values:
        raise DomainError(f"{role!r} is not a role.", field="role", code="invalid_choice")
    if organisation.kind not in ROLE_KINDS[role]:
        kinds = " or ".join(sorted(_a(Kind(kind).label) for kind in ROLE_KINDS[role]))
        raise DomainError(
            f'The role "{Role(role).label}" needs {kinds}; '
            f"{organisation.short_name} is {_a(organisation.get_kind_display())}.",
            field="organisation",
            code="role_needs_other_kind",
        )
    if (
        role != Role.ADMINISTRATOR
        and user is not None
        and user.pk
        and _is_administrator(user)
        and not _other_administrators(user).exists()
    ):
        raise DomainError(
            "This is the last administrator; make someone else an administrator first.",
            field="role",
            code="last_administrator",
        )


def _a(noun: str) -> str:
    noun = noun.lower()
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _is_administrator(user: AbstractUser) -> bool:
    return (
        user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).exists()
    )


def _other_administrators(user: AbstractUser) -> QuerySet:
    User = get_user_model()  # noqa: N806
    return User.objects.filter(is_active=True, is_superuser=True).exclude(pk=user.pk)


@transaction.atomic
def membership_set(*, user: AbstractUser, organisation: Organisation, role: str) -> Membership:
    """Give a user their one organisation and role (replacing any other); the role needs an
    organisation of its kind, and only administrators are staff and superusers."""
    membership_validate(user=user, organisation=organisation, role=role)
    membership = Membership.objects.select_for_update().filter(user=user).first()
    before = _role_text(membership) if membership is not None else "none"
    if membership is None:
        membership = Membership(user=user)
    membership.organisation = organisation
    membership.role = role
    membership.save()
    after = _role_text(membership)
    if after != before:
        security_event_record(
            kind=SecurityEvent.Kind.ROLE_CHANGED, user=user, detail=f"Role: {before} → {after}."
        )
    is_admin = role == Role.ADMINISTRATOR
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])
    # Access rules read user.membership: keep the caller's object current.
    user.membership = membership
    return membership


def _role_text(membership: Membership) -> str:
    return f"{membership.get_role_display()} ({membership.organisation.short_name})"


@transaction.atomic
def user_create_with_role(
    *,
    username: str,
    email: str,
    password: str,
    organisation: Organisation,
    role: str,
    first_name: str = "",
    last_name: str = "",
) -> AbstractUser:
    """A new user with a unique username, holding one role in an organisation of its kind."""
    membership_validate(user=None, organisation=organisation, role=role)
    User = get_user_model()  # noqa: N806
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(
            f"The username {username} is taken.", field="username", code="duplicate_username"
        )
    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
    )
    membership_set(user=user, organisation=organisation, role=role)
    return user
