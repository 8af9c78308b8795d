"""Helpers shared by the test_use_cases_same_everywhere.py split modules."""

from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from workplans import services
from workplans.models import ProgressUpdate

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def form_url(activity) -> str:
    return reverse("workplans:progress-form", args=[activity.pk, 2])


def review_url(update) -> str:
    return reverse("workplans:review-detail", args=[update.pk])


def api_url(update, action: str = "") -> str:
    return f"/api/v1/progress-updates/{update.pk}/" + (f"{action}/" if action else "")


def pdf(name: str = "Attendance sheet.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def draft(activity, reporter) -> ProgressUpdate:
    return services.progress_update_save(
        activity=activity,
        quarter=2,
        user=reporter,
        status="on_track",
        percent_complete=40,
        narrative="First course held in Lahore.",
        values=[(activity.plain, "", None, Decimal("1"))],
    )


def submitted(activity, reporter) -> ProgressUpdate:
    return services.progress_update_submit(update=draft(activity, reporter), user=reporter)


# What the page's form and the API's PATCH both send: the second course, 60% done.
CHANGE = {"status": "on_track", "percent_complete": 60, "narrative": "Second course held."}


def page_form(activity, *, revision: int, action: str, **extra) -> dict:
    return {
        **CHANGE,
        "challenges": "",
        "revision": str(revision),
        "action": action,
        f"value__{activity.plain.pk}__all__all": "2",
        **extra,
    }


def media_files() -> dict[str, bytes]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return {}
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}
