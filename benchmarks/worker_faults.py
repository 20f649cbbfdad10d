"""Workers frozen (SIGSTOP) or killed (SIGKILL) at random points of the create flow and of a stop.

Each run queues one request and starts a worker process on it; at a random moment the worker is
frozen or killed, its lease is aged past its end (as a freeze longer than the lease would), and a
second worker takes the row over. The frozen worker is then let go. The run counts the create
calls the emulator received, the servers it holds under the row's name, and where the row ended.
Stop runs claim a stop, freeze or kill the worker making the call, deliver the task again to a
second worker (as Celery does for a task whose worker was lost), and follow the server.
Exits 1 if any run made two create calls, bought two servers, lost its request, or a stop did not
end with the server STOPPED in the cloud and on the row.

    .venv/bin/python -m benchmarks.worker_faults [--runs 200] [--stop-runs 200] [--seed 7]
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
FAULTS = ("SIGSTOP", "SIGKILL")
WORKER_SCRIPT = """
import django, sys
django.setup()
from devservers.provisioning import submit
print(submit.submit_devserver(devserver_id=int(sys.argv[1])).step.value, flush=True)
"""
# A stop task as the worker runs it (tasks.run_action), for a row already claimed as STOPPING.
STOP_SCRIPT = """
import django, sys
django.setup()
from devservers.provisioning import actions
step = actions.perform_action(devserver_id=int(sys.argv[1]), action_name="stop", previous_status="RUNNING", actor_id=None)
print(step.step.value, flush=True)
"""
STOP_ROUTE = "PUT /v1/{project_id}/dev-servers/{id}/stop"


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


def start_worker(
    devserver_id: int, environment: dict[str, str], *, script: str = WORKER_SCRIPT
) -> subprocess.Popen[str]:
    # Frozen inside a transaction, the worker's session is ended after a second, releasing its locks.
    frozen_session_limit = {"DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS": "1000"}
    return subprocess.Popen(
        [sys.executable, "-c", script, str(devserver_id)],
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


@dataclass(frozen=True)
class ActionRunResult:
    fault: str
    at_seconds: float
    stop_calls: int
    row_status: str
    cloud_status: str

    @property
    def broken(self) -> list[str]:
        if (self.row_status, self.cloud_status) == ("STOPPED", "STOPPED"):
            return []
        return [
            f"stop, {self.fault} at {self.at_seconds:.2f}s: row {self.row_status}, cloud {self.cloud_status}"
        ]


def _follow_until_settled(devserver_id: int) -> None:
    """What the follow task does after an action, until the status stops changing."""
    from devservers.models import CHANGING_STATUSES, DevServer
    from devservers.provisioning import follow

    for attempt in range(40):
        follow.refresh_devserver(devserver_id=devserver_id, attempt=attempt)
        if DevServer.objects.get(pk=devserver_id).status not in CHANGING_STATUSES:
            return
        time.sleep(0.25)


def run_stop_once(
    *,
    fault: str,
    at_seconds: float,
    handle: EmulatorHandle,
    account: CloudAccount,
    owner: User,
    environment: dict[str, str],
    index: int,
) -> ActionRunResult:
    """A stop whose worker is frozen or killed mid-call; the task is delivered again (as Celery does
    for a task whose worker was lost) to a second worker; then the server is followed."""
    from devservers.cloud import client_for
    from devservers.instances.claims import request_action
    from devservers.provisioning import actions
    from tests.fixtures.world import running_server

    handle.reset()
    row = running_server(owner, account, handle, f"stop-fault-{index}")
    claimed = request_action(actor=None, devserver=row, action_name="stop", actor_label="benchmark")
    assert claimed.accepted, claimed.reason
    handle.set_faults(latency_ms=LATENCY_MS)
    first = start_worker(row.pk, environment, script=STOP_SCRIPT)
    time.sleep(at_seconds)
    first.send_signal(signal.SIGSTOP if fault == "SIGSTOP" else signal.SIGKILL)
    time.sleep(LATENCY_MS / 1000 * 2)
    actions.perform_action(devserver_id=row.pk, action_name="stop", previous_status="RUNNING", actor_id=None)
    if fault == "SIGSTOP":
        first.send_signal(signal.SIGCONT)
    first.communicate(timeout=60)
    handle.set_faults(latency_ms=0)
    _follow_until_settled(row.pk)
    row.refresh_from_db()
    return ActionRunResult(
        fault=fault,
        at_seconds=at_seconds,
        stop_calls=handle.counters().get(STOP_ROUTE, 0),
        row_status=row.status,
        cloud_status=client_for(account).get_dev_server(row.cloud_id).status or "",
    )


def run(
    *, runs: int, stop_runs: int, seed: int, folder: Path, environment: dict[str, str]
) -> tuple[list[RunResult], list[ActionRunResult]]:
    from django.contrib.auth.models import User

    from tests.fixtures.dashboard import emulator_account

    chance = random.Random(seed)
    with harness.emulator(folder) as handle:
        owner = User.objects.create_user(f"faults-{seed}")
        account = emulator_account(handle, name=f"Fault emulator {seed}")
        common = {"handle": handle, "account": account, "owner": owner, "environment": environment}
        creates = [
            run_once(
                fault=chance.choice(FAULTS),
                at_seconds=chance.uniform(0.0, LONGEST_FLOW_SECONDS),
                index=index,
                **common,
            )
            for index in range(runs)
        ]
        stops = [
            run_stop_once(
                fault=chance.choice(FAULTS),
                at_seconds=chance.uniform(0.0, LATENCY_MS / 1000 * 2),
                index=index,
                **common,
            )
            for index in range(stop_runs)
        ]
    return creates, stops


def print_stop_results(results: list[ActionRunResult]) -> None:
    by_fault = Counter(result.fault for result in results)
    harness.print_table(
        [
            "fault",
            "runs",
            "stop calls",
            "runs with a second stop call",
            "ended STOPPED (row, cloud)",
            "ended otherwise",
        ],
        [
            [
                fault,
                by_fault[fault],
                sum(result.stop_calls for result in results if result.fault == fault),
                sum(1 for result in results if result.fault == fault and result.stop_calls > 1),
                sum(1 for result in results if result.fault == fault and not result.broken),
                sum(1 for result in results if result.fault == fault and result.broken),
            ]
            for fault in sorted(by_fault)
        ],
        title="Worker frozen or killed during a stop, the task delivered again",
    )


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
    parser.add_argument("--runs", type=int, default=200, help="create runs")
    parser.add_argument("--stop-runs", type=int, default=200, help="stop (lifecycle action) runs")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)
    harness.print_context("Benchmark: workers frozen or killed mid-create and mid-stop")
    with harness.django_on_throwaway_database() as environment, harness.scratch_folder() as folder:
        creates, stops = run(
            runs=options.runs,
            stop_runs=options.stop_runs,
            seed=options.seed,
            folder=folder,
            environment=environment,
        )
    if creates:
        print_results(creates)
    if stops:
        print_stop_results(stops)
    return harness.report_invariants([line for result in [*creates, *stops] for line in result.broken])


if __name__ == "__main__":
    sys.exit(main())
