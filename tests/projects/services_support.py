"""Helpers shared by the test_services.py split modules."""

import datetime

from ctportal.exceptions import DomainError

# ProjectFactory's period: 1 July 2022 to 30 June 2025.
START = datetime.date(2022, 7, 1)


END = datetime.date(2025, 6, 30)


def assert_field_error(error: DomainError, field: str, code: str) -> None:
    assert error.field == field
    assert error.domain_code == code
    assert [e.code for e in error.error_dict[field]] == [code]
