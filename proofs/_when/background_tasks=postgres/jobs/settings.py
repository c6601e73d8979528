"""The test settings, with the tasks these proofs hand to real workers."""

from config.settings.test import *  # noqa: F403
from config.settings.test import PROCRASTINATE_IMPORT_PATHS

PROCRASTINATE_IMPORT_PATHS = [*PROCRASTINATE_IMPORT_PATHS, "tests.proofs.jobs.tasks"]
# A deadline that the task runs past on purpose (test_recovery.py).
TASKS_DEADLINES = {"tests.proofs.jobs.tasks.overrun": 1}
