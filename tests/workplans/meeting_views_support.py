"""Helpers shared by the test_meeting_views.py split modules."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from workplans.models import Attendance

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def meeting_data(sp, rows, *, initial=0, **fields):
    data = {
        "sub_programme": sp.pk,
        "date": "2022-07-26",
        "venue": "NACTA Headquarters, Islamabad",
        "chair": "National Coordinator, NACTA",
        "chair_organisation": "",
        "notes": "",
        "decisions": "The workplan is approved.",
        "attendance-TOTAL_FORMS": str(len(rows)),
        "attendance-INITIAL_FORMS": str(initial),
        "attendance-MIN_NUM_FORMS": "0",
        "attendance-MAX_NUM_FORMS": "60",
    }
    data.update(fields)
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"attendance-{index}-{key}"] = value
    return data


def attendees(meeting) -> list[tuple[str, str, str]]:
    return list(
        Attendance.objects.filter(meeting=meeting)
        .order_by("organisation__short_name")
        .values_list("organisation__short_name", "mode", "names")
    )


# --- Documents ---------------------------------------------------------------------------


def upload(client, meeting, name, content, title="Minutes"):
    return client.post(
        reverse("workplans:meeting-document-create", args=[meeting.pk]),
        {"title": title, "file": SimpleUploadedFile(name, content, "application/pdf")},
    )


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- Who may do what (every new page and action) ----------------------------------------

ROLES = ["anonymous", "counterpart", "ewg", "donor", "administrator", "manager"]
