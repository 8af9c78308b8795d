"""What reports.services announces once it is committed, for reports.tasks to act on.

The services decide and record; the tasks queue the work on Celery. Tasks import the
services, so the services cannot import the tasks: they send these signals instead, and
reports.tasks connects its receivers when the app is ready (reports.apps)."""

from django.dispatch import Signal

# A report's generation is queued: report_id, generation.
report_queued = Signal()
# A generation's files are published, to be e-mailed to the subscribers: report_id, generation.
report_published = Signal()
