"""Helpers shared by the test_services.py split modules."""

from ctportal.exceptions import DomainError
from organisations.models import Organisation

Kind = Organisation.Kind


def assert_field_error(error: DomainError, field: str, code: str) -> None:
    assert error.field == field
    assert error.domain_code == code
    assert [e.code for e in error.error_dict[field]] == [code]
