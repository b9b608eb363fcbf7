"""QMS_TEST_REPORT_DELAY seconds of sleep before each report is gathered, so that a fault test can kill the
worker in the middle of a report. Loaded only by tests/faults/settings.py, never by the portal."""

import dataclasses
import os
import time

from django.apps import AppConfig


class SlowReportsConfig(AppConfig):
    name = "tests.faults"
    label = "fault_tests"

    def ready(self) -> None:
        from scoring import reporting

        delay = float(os.environ.get("QMS_TEST_REPORT_DELAY", "0"))
        if not delay:
            return
        for kind in reporting.registered().values():
            reporting._kinds[kind.kind] = dataclasses.replace(kind, gather=_slowed(kind.gather, delay))


def _slowed(gather, delay: float):
    def slow_gather(report):
        time.sleep(delay)
        return gather(report)

    return slow_gather
