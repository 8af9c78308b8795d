"""Helpers shared by the test_permissions_matrix.py split modules."""

from tests.api.world import ROLES

ALL = ROLES[1:]


def _by_role(default, **overrides):
    table = {role: default for role in ROLES}
    table["anonymous"] = 401
    table.update(overrides)
    return table


def _expected_code(status: int) -> str:
    return {
        400: "own_donor_only",  # the only 400 of the matrix: a donor asking for more
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
    }[status]
