"""Writes for donors: agreements, allocations and tranches. Each money rule lives here, once.

Every rule that sums an agreement's children runs under a row lock on the agreement
(select_for_update), so two requests can never both pass a check that only one of them
may pass. The `*_validate` functions run the same checks for forms that want early,
field-level feedback; the writes run them again under their own lock.
"""

from donors.services.agreements import (
    AGREEMENT_FIELDS,
    agreement_create,
    agreement_delete,
    agreement_delete_validate,
    agreement_update,
    agreement_validate,
)
from donors.services.allocations import (
    allocation_create,
    allocation_delete,
    allocation_update,
    allocation_validate,
)
from donors.services.tranches import (
    DISBURSEMENT_FIELDS,
    disbursement_create,
    disbursement_delete,
    disbursement_reason_validate,
    disbursement_receive,
    disbursement_update,
    disbursement_usd_rate,
    disbursement_validate,
)

__all__ = [
    "AGREEMENT_FIELDS",
    "DISBURSEMENT_FIELDS",
    "agreement_create",
    "agreement_delete",
    "agreement_delete_validate",
    "agreement_update",
    "agreement_validate",
    "allocation_create",
    "allocation_delete",
    "allocation_update",
    "allocation_validate",
    "disbursement_create",
    "disbursement_usd_rate",
    "disbursement_delete",
    "disbursement_reason_validate",
    "disbursement_receive",
    "disbursement_update",
    "disbursement_validate",
]
