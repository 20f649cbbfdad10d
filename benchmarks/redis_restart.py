"""Redis restarted in the middle of a batch of creates: the broker's queue and every countdown in it
are lost, and the worker has to reconnect. Reconcile (sent every 10 s, as beat would) finds the
rows whose task was lost. Prints what was pending at the restart and when each request reached
RUNNING; exits 1 if one was lost, rejected or bought twice. `tests/dashboard/test_redis_restart.py`
runs `run_restart` at a small size.

    .venv/bin/python -m benchmarks.redis_restart [--servers 20] [--down 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchmarks import harness

if TYPE_CHECKING:
    from celery import Celery
    from django.contrib.auth.models import User

    from devservers.models import CloudAccount
    from tests.fixtures.emulator import EmulatorHandle

CREATE_ROUTE = "POST /v1/{project_id}/dev-servers"
RECONCILE_EVERY_SECONDS = 10.0
LATENCY_BEFORE_RESTART_MS = 300
SETTLED_STATUSES = ("RUNNING", "REJECTED")


@dataclass
class RestartResult:
    requests: int
    pending_at_restart: Counter[str]
    settled_after_seconds: float
    final: Counter[str]
    create_calls: dict[str, int]
    servers_in_cloud: int
    broken: list[str] = field(default_factory=list)


def _servers_named(account: CloudAccount, prefix: str) -> list[str]:
    from devservers.cloud import client_for

    return [
        server.name
        for server in client_for(account).iter_dev_servers(all_users=True)
        if server.name.startswith(f"{prefix}-")
    ]


def run_restart(
    *,
    redis_server: harness.PrivateRedis,
    app: Celery,
    handle: EmulatorHandle,
    account: CloudAccount,
    owner: User,
    servers: int,
    down_seconds: float,
    timeout: float,
    reconcile_every: float = RECONCILE_EVERY_SECONDS,
    prefix: str = "restart",
) -> RestartResult:
    """Queue `servers` requests through `app` (the private Redis), restart that Redis about a second
    later, and send the account's reconcile every `reconcile_every` seconds until every row settles."""
    from devservers import tasks
    from devservers.models import DevServer

    handle.set_faults(latency_ms=LATENCY_BEFORE_RESTART_MS)
    rows = harness.queue_requests(owner, account, prefix=prefix, count=servers, app=app)
    time.sleep(1.0)
    account_rows = DevServer.objects.filter(account=account)
    pending = Counter(account_rows.values_list("status", flat=True))
    redis_server.restart(down_seconds=down_seconds)
    handle.set_faults(latency_ms=0)
    restarted = time.monotonic()

    def settled() -> bool:
        return not account_rows.exclude(status__in=SETTLED_STATUSES).exists()

    while not settled() and time.monotonic() - restarted < timeout:
        app.send_task(tasks.reconcile_account.name, (account.pk,))
        harness.wait_until(settled, timeout=reconcile_every)
    result = RestartResult(
        requests=len(rows),
        pending_at_restart=pending,
        settled_after_seconds=time.monotonic() - restarted,
        final=Counter(account_rows.values_list("status", flat=True)),
        create_calls=handle.counters_by_status().get(CREATE_ROUTE, {}),
        servers_in_cloud=len(_servers_named(account, prefix)),
    )
    result.broken = broken_invariants(result)
    return result


def broken_invariants(result: RestartResult) -> list[str]:
    broken = []
    if result.final.get("RUNNING", 0) != result.requests:
        broken.append(
            f"only {result.final.get('RUNNING', 0)} of {result.requests} reached RUNNING: {dict(result.final)}"
        )
    if sum(result.create_calls.values()) > result.requests:
        broken.append(f"{sum(result.create_calls.values())} create calls for {result.requests} requests")
    if result.servers_in_cloud != result.requests:
        broken.append(f"{result.servers_in_cloud} servers in the cloud for {result.requests} requests")
    return broken


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

        from tests.fixtures.dashboard import emulator_account

        app = harness.celery_app_for(redis_server)
        with (
            harness.emulator(folder) as handle,
            harness.celery_worker(environment, folder / "worker.log", app=app),
        ):
            result = run_restart(
                redis_server=redis_server,
                app=app,
                handle=handle,
                account=emulator_account(handle, name="Restart emulator"),
                owner=User.objects.create_user("restart-owner"),
                servers=options.servers,
                down_seconds=options.down,
                timeout=options.timeout,
            )
    harness.print_table(
        [
            "requests",
            "statuses at the restart",
            "Redis down",
            "settled after",
            "RUNNING",
            "create calls",
            "servers",
        ],
        [
            [
                result.requests,
                dict(result.pending_at_restart),
                harness.seconds(options.down),
                harness.seconds(result.settled_after_seconds),
                result.final.get("RUNNING", 0),
                dict(result.create_calls),
                result.servers_in_cloud,
            ]
        ],
        title="Requests through a Redis restart",
    )
    return harness.report_invariants(result.broken)


if __name__ == "__main__":
    sys.exit(main())
