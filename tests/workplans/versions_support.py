"""Helpers shared by the test_versions.py split modules."""

from workplans.models import WorkplanVersion

Status = WorkplanVersion.Status
