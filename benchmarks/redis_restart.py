"""Redis restarted in the middle of a batch of creates: the broker's queue and every countdown in it
are lost, and the worker has to reconnect. Reconcile (run by hand every 10 s, as beat would)
finds the rows whose task was lost. Prints what was pending at the restart and when each request
reached RUNNING; exits 1 if one was lost, rejected or bought twice.

    .venv/bin/python -m benchmarks.redis_restart [--servers 20] [--down 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter

from benchmarks import harness

CREATE_ROUTE = "POST /v1/{project_id}/dev-servers"
RECONCILE_EVERY_SECONDS = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", type=int, default=20)
    parser.add_argument("--down", type=float, default=5.0, help="seconds Redis stays down")
    parser.add_argument("--timeout", type=float, default=300.0)
    options = parser.parse_args(argv)
    harness.print_context("Benchmark: Redis restarted mid-run")
    with (
        harness.private_redis() as redis_server,
        harness.django_on_throwaway_database(redis_server) as environment,
        harness.scratch_folder() as folder,
    ):
        from django.contrib.auth.models import User

        from devservers import tasks
        from devservers.models import DevServer
        from tests.fixtures.dashboard import emulator_account

        with harness.emulator(folder) as handle, harness.celery_worker(environment, folder / "worker.log"):
            owner = User.objects.create_user("restart-owner")
            account = emulator_account(handle, name="Restart emulator")
            handle.set_faults(latency_ms=300)
            rows = harness.queue_requests(owner, account, prefix="restart", count=options.servers)
            time.sleep(1.0)
            pending = Counter(DevServer.objects.filter(account=account).values_list("status", flat=True))
            redis_server.restart(down_seconds=options.down)
            handle.set_faults(latency_ms=0)
            restarted = time.monotonic()

            def settled() -> bool:
                return (
                    not DevServer.objects.filter(account=account)
                    .exclude(status__in=["RUNNING", "REJECTED"])
                    .exists()
                )

            while not settled() and time.monotonic() - restarted < options.timeout:
                tasks.reconcile_account.delay(account.pk)
                harness.wait_until(settled, timeout=RECONCILE_EVERY_SECONDS)
            waited = time.monotonic() - restarted
            final = Counter(DevServer.objects.filter(account=account).values_list("status", flat=True))
            creates = handle.counters_by_status().get(CREATE_ROUTE, {})
    harness.print_table(
        ["requests", "statuses at the restart", "Redis down", "settled after", "RUNNING", "create calls"],
        [
            [
                len(rows),
                dict(pending),
                harness.seconds(options.down),
                harness.seconds(waited),
                final.get("RUNNING", 0),
                dict(creates),
            ]
        ],
        title="Requests through a Redis restart",
    )
    broken = []
    if final.get("RUNNING", 0) != len(rows):
        broken.append(f"only {final.get('RUNNING', 0)} of {len(rows)} reached RUNNING: {dict(final)}")
    if sum(creates.values()) > len(rows):
        broken.append(f"{sum(creates.values())} create calls for {len(rows)} requests")
    return harness.report_invariants(broken)


if __name__ == "__main__":
    sys.exit(main())
