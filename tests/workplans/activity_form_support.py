"""Helpers shared by the test_activity_form.py split modules."""


def form_data(plan, rows, *, initial=0, **fields):
    """What the activity form posts: the activity's fields and one targets row per item of
    `rows` ({"indicator": pk, "q1": "5", "DELETE": "on", ...})."""
    data = {
        "code": "A1",
        "title": "Workshops on CT investigation",
        "description": "",
        "output": plan["output"].pk,
        "lead_counterpart": plan["lead"].pk,
        "project": "",
        "budget": "1000",
        "targets-TOTAL_FORMS": str(len(rows)),
        "targets-INITIAL_FORMS": str(initial),
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "30",
    }
    data.update(fields)
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"targets-{index}-{key}"] = value
    return data
