"""The production settings plus one test hook for the worker of the fault tests (see apps.py)."""

from qms_portal.settings import *  # noqa: F403
from qms_portal.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tests.faults.apps.SlowReportsConfig"]
