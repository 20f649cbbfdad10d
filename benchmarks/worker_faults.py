"""Workers frozen (SIGSTOP) or killed (SIGKILL) at random points of the create flow.

Each run queues one request and starts a worker process on it; at a random moment the worker is
frozen or killed, its lease is aged past its end (as a freeze longer than the lease would), and a
second worker takes the row over. The frozen worker is then let go. The run counts the create
calls the emulator received, the servers it holds under the row's name, and where the row ended.
Exits 1 if any run made two create calls, bought two servers, or lost its request.

    .venv/bin/python -m benchmarks.worker_faults [--runs 200] [--seed 7]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import harness

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from devservers.models import CloudAccount
    from tests.fixtures.emulator import EmulatorHandle

CREATE_ROUTE = "POST /v1/{project_id}/dev-servers"
# Each emulator answer is held back this long, so a worker spends about a second in the flow and
# a random moment falls before, during or after its look-up and its POST.
LATENCY_MS = 400
LONGEST_FLOW_SECONDS = 1.6
WORKER_SCRIPT = """
import django, sys
django.setup()
from devservers.provisioning import submit
print(submit.submit_devserver(devserver_id=int(sys.argv[1])).step.value, flush=True)
"""


@dataclass(frozen=True)
class RunResult:
    fault: str
    at_seconds: float
    create_calls: int
    servers: int
    status: str
    holds_cloud_id: bool

    @property
    def broken(self) -> list[str]:
        problems = []
        if self.create_calls > 1:
            problems.append(f"{self.create_calls} create calls")
        if self.servers > 1:
            problems.append(f"{self.servers} servers")
        if not self.holds_cloud_id or self.servers != 1:
            problems.append(f"request lost: ended {self.status} with {self.servers} server(s)")
        return [f"{self.fault} at {self.at_seconds:.2f}s: {problem}" for problem in problems]


def start_worker(devserver_id: int, environment: dict[str, str]) -> subprocess.Popen[str]:
    # Frozen inside a transaction, the worker's session is ended after a second, releasing its locks.
    frozen_session_limit = {"DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS": "1000"}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, str(devserver_id)],
        cwd=harness.PROJECT_ROOT,
        env={**os.environ, **environment, **frozen_session_limit},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _settle(devserver_id: int) -> None:
    """The second worker's part, as its tasks would run it: take over, then check until settled."""
    from django.utils import timezone

    from devservers.models import OUTCOME_UNKNOWN, QUEUED, SUBMITTING, DevServer
    from devservers.provisioning import submit

    for check in range(1, 20):
        row = DevServer.objects.get(pk=devserver_id)
        if row.status == OUTCOME_UNKNOWN:
            submit.check_unknown_outcome(devserver_id=devserver_id, check_number=check)
        elif row.status in (QUEUED, SUBMITTING) and not row.cloud_id:
            DevServer.objects.filter(pk=devserver_id).update(
                lease_expires_at=timezone.now() - timedelta(seconds=1)
            )
            submit.submit_devserver(devserver_id=devserver_id)
        else:
            return


def run_once(
    *,
    fault: str,
    at_seconds: float,
    handle: EmulatorHandle,
    account: CloudAccount,
    owner: User,
    environment: dict[str, str],
    index: int,
) -> RunResult:
    from django.utils import timezone

    from devservers.cloud import client_for
    from devservers.models import DevServer
    from tests.fixtures.world import make_devserver

    handle.reset()
    handle.set_faults(latency_ms=LATENCY_MS)
    row = make_devserver(owner, account, name=f"fault-{index}", status="QUEUED")
    first = start_worker(row.pk, environment)
    time.sleep(at_seconds)
    first.send_signal(signal.SIGSTOP if fault == "SIGSTOP" else signal.SIGKILL)
    # Whatever the first worker sent is answered before the second one looks.
    time.sleep(LATENCY_MS / 1000 * 2)
    DevServer.objects.filter(pk=row.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    _settle(row.pk)
    if fault == "SIGSTOP":
        first.send_signal(signal.SIGCONT)
    first.communicate(timeout=60)
    handle.set_faults(latency_ms=0)
    _settle(row.pk)
    row.refresh_from_db()
    servers = [
        server for server in client_for(account).iter_dev_servers(all_users=True) if server.name == row.name
    ]
    return RunResult(
        fault=fault,
        at_seconds=at_seconds,
        create_calls=handle.counters().get(CREATE_ROUTE, 0),
        servers=len(servers),
        status=row.status,
        holds_cloud_id=bool(row.cloud_id) and row.cloud_id in {server.id for server in servers},
    )


def run(*, runs: int, seed: int, folder: Path, environment: dict[str, str]) -> list[RunResult]:
    from django.contrib.auth.models import User

    from tests.fixtures.dashboard import emulator_account

    chance = random.Random(seed)
    with harness.emulator(folder) as handle:
        owner = User.objects.create_user(f"faults-{seed}")
        account = emulator_account(handle, name=f"Fault emulator {seed}")
        return [
            run_once(
                fault=chance.choice(("SIGSTOP", "SIGKILL")),
                at_seconds=chance.uniform(0.0, LONGEST_FLOW_SECONDS),
                handle=handle,
                account=account,
                owner=owner,
                environment=environment,
                index=index,
            )
            for index in range(runs)
        ]


def print_results(results: list[RunResult]) -> None:
    by_fault = Counter(result.fault for result in results)
    harness.print_table(
        [
            "fault",
            "runs",
            "create calls",
            "duplicate create calls",
            "duplicate servers",
            "lost requests",
            "ended",
        ],
        [
            [
                fault,
                by_fault[fault],
                sum(result.create_calls for result in results if result.fault == fault),
                sum(1 for result in results if result.fault == fault and result.create_calls > 1),
                sum(1 for result in results if result.fault == fault and result.servers > 1),
                sum(1 for result in results if result.fault == fault and not result.holds_cloud_id),
                dict(Counter(result.status for result in results if result.fault == fault)),
            ]
            for fault in sorted(by_fault)
        ],
        title="Worker frozen or killed at a random point of the create flow",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)
    harness.print_context("Benchmark: workers frozen or killed mid-create")
    with harness.django_on_throwaway_database() as environment, harness.scratch_folder() as folder:
        results = run(runs=options.runs, seed=options.seed, folder=folder, environment=environment)
    print_results(results)
    return harness.report_invariants([line for result in results for line in result.broken])


if __name__ == "__main__":
    sys.exit(main())
