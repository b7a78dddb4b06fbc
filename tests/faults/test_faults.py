"""The fault suite at test size (bench/faults.py runs the same scenario at full size): while
10 draft and 10 Veo clips (30 % of the emulator's answers 5xx) run on 2 workers, 3 workers
are SIGKILLed, Redis and PostgreSQL restart and a web process is killed. Afterwards every
clip has ended, completed or failed with exactly one refund, the provider made one generation
per clip unless a fault hit the submit window, and the ledger reconciles."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.support import faults
from tests.support.faults import Scenario

pytestmark = pytest.mark.skipif(
    shutil.which("runuser") is None or not Path("/usr/lib/postgresql").exists(),
    reason="needs Debian's PostgreSQL server binaries to run a private cluster",
)


# On a busy machine (the browser tests run beside this one) ten draft renders on two cores
# may take minutes; the batch is waited for while it moves (faults.STALL_SECONDS).
@pytest.mark.timeout(900)
def test_batch_survives_faults(tmp_path: Path) -> None:
    scenario = Scenario(draft=10, veo=10, kills=3, gap=2.5, settle_timeout=600)
    report = faults.run(scenario, tmp_path)

    print(faults.table(report))

    assert Counter(kind for _, kind in report.faults) == {
        "kill": 3,
        "redis": 1,
        "postgres": 1,
        "web": 1,
    }
    assert report.stuck == 0, report.stuck_rows
    assert report.double_refunds == 0
    assert report.completed_refunded == 0 and report.failed_unrefunded == 0
    assert report.completed + report.failed_refunded == report.clips
    assert report.completed >= report.clips // 2  # the faults are survived, not just refunded
    # A draft render outlives a killed worker and is resumed: one per clip, but for a kill
    # between the render's start and the commit of its id (the submit window).
    assert report.draft_extra == report.draft_extra_in_window
    assert report.draft_renders - report.draft_extra == scenario.draft
    assert report.veo_doubles == report.veo_doubles_in_window
    assert report.veo_generations <= scenario.veo + report.veo_doubles_in_window * 2
    assert report.reconcile_clean, report.reconcile
    # The progress streams were read through both web processes, and across the kill.
    assert report.progress_reads["served"] > 0
