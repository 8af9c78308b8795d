"""Admin for workplans: thin, and bound by the same rules as the pages.

Activities are written through the services: the form's clean() runs activity_validate
(so an approved version is frozen here too, with the same message) and save_model calls
activity_create / activity_update. Version and progress transitions happen only through
their services on the pages, so versions, meetings and progress updates are read-only
here, and history can be viewed but never reverted.
"""

# Importing the modules registers their admins.
from workplans.admin import activities, meetings, progress, workplans

__all__ = ["activities", "meetings", "progress", "workplans"]
