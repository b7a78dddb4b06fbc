"""Faults, with figures (issue #14): a batch of draft and Veo clips survives crashes.

    .venv/bin/python bench/faults.py [--draft 100] [--veo 100] [--kills 20] [--gap 3]

On a private PostgreSQL and Redis, with 2 `jobs.worker` processes and 2 API web processes
whose progress streams are read throughout, the Veo emulator answering 30 % of calls with a
5xx and finishing each generation a few seconds after its submit: while the batch runs, a
worker is SIGKILLed `--kills` times (a replacement starts at once), Redis and PostgreSQL
restart once each and a web process is killed once. After the last clip ends and one more
sweep interval, the table counts clips completed / failed and refunded / stuck, double
refunds, generations at the provider per clip and `credits reconcile`, against the aim.
The scenario is tests/support/faults.py; tests/faults runs it small.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import faults


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draft", type=int, default=100)
    parser.add_argument("--veo", type=int, default=100)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between two faults")
    args = parser.parse_args()
    scenario = faults.Scenario(draft=args.draft, veo=args.veo, kills=args.kills, gap=args.gap)
    with tempfile.TemporaryDirectory(prefix="v4a-bench-faults-") as folder:
        report = faults.run(scenario, Path(folder))
    print("\nFaults: a batch through worker kills and Redis, PostgreSQL and web restarts")
    print(faults.table(report))
    print(f"  aim {'met' if faults.met(report) else 'NOT met'}")
    return 0 if faults.met(report) else 1


if __name__ == "__main__":
    raise SystemExit(main())
