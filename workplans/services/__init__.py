"""Every write of the workplans app: workplans and their versions, activities, EWG
meetings, progress updates and their evidence. Interfaces call these, never the ORM."""

from .activities import activity_create, activity_delete, activity_update, activity_validate
from .files import uploaded_file_check
from .meetings import (
    meeting_create,
    meeting_document_attach,
    meeting_document_delete,
    meeting_update,
)
from .progress import (
    progress_update_return,
    progress_update_save,
    progress_update_submit,
    progress_update_verify,
)
from .progress_evidence import evidence_attach, evidence_delete
from .targets import target_indicator_validate, target_value_validate, unit_is_count
from .versions import (
    version_approve,
    version_return,
    version_revise,
    version_submit,
    workplan_create,
    workplan_period_validate,
)

__all__ = [
    "activity_create",
    "activity_delete",
    "activity_update",
    "activity_validate",
    "evidence_attach",
    "evidence_delete",
    "meeting_create",
    "meeting_document_attach",
    "meeting_document_delete",
    "meeting_update",
    "progress_update_return",
    "progress_update_save",
    "progress_update_submit",
    "progress_update_verify",
    "target_indicator_validate",
    "target_value_validate",
    "unit_is_count",
    "uploaded_file_check",
    "version_approve",
    "version_return",
    "version_revise",
    "version_submit",
    "workplan_create",
    "workplan_period_validate",
]
