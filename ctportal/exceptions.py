"""Domain errors: ValidationErrors that name the field, with stable codes tests assert."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A broken business rule. Built with a field so forms and the API can show it there."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        if field:
            super().__init__({field: [ValidationError(message, code=code)]})
        else:
            super().__init__(message, code=code)
        self.field = field
        self.domain_code = code


def field_error(field: str, message: str, code: str) -> DomainError:
    return DomainError(message, field=field, code=code)
