"""Evidence of progress: files counterpart staff attach to an update they can still edit.

A stored file lives exactly as long as its row: one attached by a change that is then
refused is deleted with the rollback (atomic_with_files), and one removed goes from the
disk only once the removal is committed.
"""

from django.db import transaction

from workplans.models import EvidenceFile, ProgressUpdate

from .files import (
    atomic_with_files,
    original_name_of,
    save_with_file,
    stored_file,
    uploaded_file_check,
)
from .progress_rules import progress_actions, reporter_require, require, update_lock


@atomic_with_files
def evidence_attach(*, update: ProgressUpdate, user, uploaded_file) -> EvidenceFile:
    """Staff of the reporting counterpart attach a PDF, PNG, JPEG, DOCX or XLSX (by content,
    at most 10 MB) to an update they can still edit."""
    reporter_require(user, update.activity)
    locked = update_lock(update.pk)
    require(progress_actions(activity=locked.activity, update=locked).edit)
    mime, extension, size = uploaded_file_check(uploaded_file, field="evidence")
    evidence = EvidenceFile(
        update=locked,
        file=stored_file(uploaded_file, extension=extension),
        original_name=original_name_of(uploaded_file, extension=extension),
        content_type=mime,
        size=size,
        uploaded_by=user,
    )
    save_with_file(evidence, field="file")
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: EvidenceFile, user) -> None:
    """Staff of the reporting counterpart remove a file from an update they can still edit."""
    locked = update_lock(evidence.update_id)
    reporter_require(user, locked.activity)
    require(progress_actions(activity=locked.activity, update=locked).edit)
    stored = EvidenceFile.objects.get(pk=evidence.pk)
    name, storage = stored.file.name, stored.file.storage
    stored.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(name))
