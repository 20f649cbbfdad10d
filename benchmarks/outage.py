"""A cloud outage: every call answers 503 for a while, then the cloud is back.

N requests are queued while the cloud is away; a real worker (with beat's reconcile run by hand
every 30 s, as beat would) waits the outage out. Prints how long the outage lasted, how many
requests were still pending when it ended, how long after its end each reached RUNNING, and the
create calls made. Exits 1 if any request was given up on, bought twice, or did not reach RUNNING.

    .venv/bin/python -m benchmarks.outage [--servers 20] [--outage 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from benchmarks import harness
from benchmarks.create_flow import CREATE_ROUTE

RECONCILE_EVERY_SECONDS = 30.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument(
        "--outage", type=float, default=300.0, help="seconds the cloud answers 503 to everything"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds after the outage to reach RUNNING"
    )
    options = parser.parse_args(argv)
    harness.print_context(f"Benchmark: a cloud outage of {options.outage:.0f} s")
    with harness.django_on_throwaway_database() as environment, harness.scratch_folder() as folder:
        from django.contrib.auth.models import User

        from devservers import tasks
        from devservers.models import DevServer
        from tests.fixtures.dashboard import emulator_account

        with harness.emulator(folder) as handle, harness.celery_worker(environment, folder / "worker.log"):
            owner = User.objects.create_user("outage-owner")
            account = emulator_account(handle, name="Outage emulator")
            handle.set_faults(error_rate=1.0)
            rows = harness.queue_requests(owner, account, prefix="outage", count=options.servers)
            started = time.monotonic()
            while time.monotonic() - started < options.outage:
                tasks.reconcile_account.delay(account.pk)
                time.sleep(min(RECONCILE_EVERY_SECONDS, options.outage - (time.monotonic() - started)))
            statuses_at_end = Counter(
                DevServer.objects.filter(account=account).values_list("status", flat=True)
            )
            handle.set_faults(error_rate=0.0)
            back = time.monotonic()
            recovered: dict[int, float] = {}

            def all_running() -> bool:
                for row in DevServer.objects.filter(account=account, status="RUNNING").exclude(
                    pk__in=recovered
                ):
                    recovered[row.pk] = time.monotonic() - back
                return len(recovered) == len(rows)

            while not all_running() and time.monotonic() - back < options.timeout:
                tasks.reconcile_account.delay(account.pk)
                harness.wait_until(all_running, timeout=RECONCILE_EVERY_SECONDS)
            final = Counter(DevServer.objects.filter(account=account).values_list("status", flat=True))
            creates = handle.counters_by_status().get(CREATE_ROUTE, {})
    after = sorted(recovered.values())
    harness.print_table(
        [
            "outage",
            "requests",
            "pending when it ended",
            "RUNNING",
            "after the outage p50",
            "p95",
            "max",
            "create calls",
        ],
        [
            [
                harness.seconds(options.outage),
                len(rows),
                sum(statuses_at_end.get(status, 0) for status in ("QUEUED", "SUBMITTING", "OUTCOME_UNKNOWN")),
                final.get("RUNNING", 0),
                harness.seconds(harness.percentile(after, 0.5)),
                harness.seconds(harness.percentile(after, 0.95)),
                harness.seconds(max(after, default=float("nan"))),
                dict(creates),
            ]
        ],
        title="Requests through a cloud outage",
    )
    broken = []
    if final.get("REJECTED"):
        broken.append(f"{final['REJECTED']} request(s) given up on during a {options.outage:.0f} s outage")
    if final.get("RUNNING", 0) != len(rows):
        broken.append(f"only {final.get('RUNNING', 0)} of {len(rows)} reached RUNNING: {dict(final)}")
    if creates.get("200", 0) > len(rows):
        broken.append(f"{creates['200']} servers bought for {len(rows)} requests")
    return harness.report_invariants(broken)


if __name__ == "__main__":
    sys.exit(main())
