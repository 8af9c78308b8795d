"""The filters and orders the lists and summaries use at scale each have an index that
leads with their columns (issue 14). Plans are not asserted: at test sizes PostgreSQL
rightly prefers a scan."""

import pytest
from django.db import connection

from donors.models import Disbursement
from projects.models import Expenditure
from workplans.models import Activity, ActivityTarget, ProgressUpdate

EXPECTED = [
    (Activity, ["lineage"]),  # latest verified update by lineage
    (Activity, ["updated_at"]),  # ?modified_since=
    (ActivityTarget, ["quarter"]),  # ?quarter= on activities
    (ProgressUpdate, ["updated_at"]),
    (ProgressUpdate, ["submitted_at", "id"]),  # the review queue (submitted only)
    (Disbursement, ["planned_date"]),  # ?planned_from/to=, overdue across agreements
    (Disbursement, ["updated_at"]),
    (Expenditure, ["spent_on", "id"]),  # the list's newest-first order, ?spent_from/to=
    (Expenditure, ["updated_at"]),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "columns"), EXPECTED, ids=lambda v: getattr(v, "__name__", v))
def test_an_index_leads_with_the_filtered_columns(model, columns):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    leading = [
        c["columns"][: len(columns)]
        for c in constraints.values()
        if c["index"] or c["unique"] or c["primary_key"]
    ]
    assert columns in leading
