"""Helpers shared by the test_services.py split modules."""

import datetime
from decimal import Decimal

import pytest

from ctportal.exceptions import DomainError
from donors.models import Allocation, Disbursement, FundingAgreement

D = Decimal


day = datetime.date


def db_state() -> dict:
    """Every donors row and history row, to prove a refusal wrote nothing."""
    return {
        model.__name__: (
            list(model.objects.order_by("pk").values()),
            model.history.count(),
        )
        for model in (FundingAgreement, Allocation, Disbursement)
    }


def assert_refused(call, *, field: str | None, code: str) -> DomainError:
    before = db_state()
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.field == field
    assert caught.value.domain_code == code
    assert db_state() == before
    return caught.value
