"""What a steady account costs the cloud a minute, at 100 to 10,000 servers.

The account's servers are clones of one bought server written straight into the emulator's store
(its subnets hold about 17,600 servers), each with an up-to-date row. Then the reconcile beat runs
`--beats` times in simulated time (the beat's interval from the settings): once walking the whole
list on every beat, as it did before, and once as `reconcile.reconcile_on_beat` schedules it (a walk
of N pages waits N beats). Prints the cloud calls a minute of each (the emulator's counters, every
route) and the slowest walk; exits 1 if the schedule costs more than one call a beat or never
walks the whole list, or a steady pass changes a row.

    .venv/bin/python -m benchmarks.reconcile_steady [--sizes 100,1000,1100,10000] [--beats 20]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import harness
from benchmarks.reconcile import (
    LIST_PAGE_SIZE,
    all_running,
    benchmark_account,
    buy_servers,
    emulator_args,
    row_fields,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from devservers.models import CloudAccount
    from modelarts_client import ModelArtsClient
    from tests.fixtures.emulator import EmulatorHandle


@dataclass
class SteadyFigures:
    servers: int
    beats: int
    beat_seconds: float
    calls_walking_every_beat: int
    calls_on_schedule: int
    slowest_walk_seconds: float
    rows_changed: int

    def per_minute(self, calls: int) -> float:
        return calls / (self.beats * self.beat_seconds / 60)


def fill_store(store_path: Path, template_id: str, servers: int) -> None:
    """Clones of the bought server written into the emulator's store until the project holds `servers`."""
    from modelarts_emulator.store import Store

    store = Store(store_path)
    try:
        template = store.server(template_id)
        if template is None:
            raise RuntimeError(f"the template server {template_id} is not in the emulator's store")
        with store.transaction():
            for index in range(len(store.servers_in_project(template.project_id)), servers):
                clone = dataclasses.replace(
                    template,
                    id=str(uuid.uuid4()),
                    name=f"steady-{index:05d}",
                    cloud_server_id=str(uuid.uuid4()),
                    evs_id=str(uuid.uuid4()),
                )
                store.save_server(clone)
    finally:
        store.close()


def make_steady_rows(owner: User, account: CloudAccount, client: ModelArtsClient) -> None:
    """An up-to-date row for every server that has none: status and update time as the cloud lists them."""
    from devservers.models import DevServer

    known = set(DevServer.objects.filter(account=account).values_list("cloud_id", flat=True))
    fields = {**row_fields(owner, account), "status": "RUNNING"}
    DevServer.objects.bulk_create(
        (
            DevServer(name=server.name, cloud_id=server.id, cloud_update_at=server.update_at, **fields)
            for server in client.iter_dev_servers(all_users=True)
            if server.id not in known
        ),
        batch_size=2000,
    )


def _cloud_calls(handle: EmulatorHandle) -> int:
    return sum(handle.counters().values())


def beats_of(
    beat: Callable[..., object], account: CloudAccount, handle: EmulatorHandle, beats: int
) -> tuple[int, float]:
    """The cloud calls of `beats` beats and the slowest beat's seconds."""
    calls_before = _cloud_calls(handle)
    slowest = 0.0
    for _ in range(beats):
        started = time.perf_counter()
        beat(account_id=account.pk)
        slowest = max(slowest, time.perf_counter() - started)
    return _cloud_calls(handle) - calls_before, slowest


def measure_steady(
    servers: int,
    beats: int,
    *,
    owner: User,
    account: CloudAccount,
    client: ModelArtsClient,
    handle: EmulatorHandle,
    template_id: str,
    store_path: Path,
) -> SteadyFigures:
    from django.conf import settings

    from devservers.models import CloudAccount, DevServer
    from devservers.provisioning import reconcile

    fill_store(store_path, template_id, servers)
    make_steady_rows(owner, account, client)
    changed_since = DevServer.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    every_beat_calls, slowest = beats_of(reconcile.reconcile_account, account, handle, beats)
    CloudAccount.objects.filter(pk=account.pk).update(walk_pages=0, beats_to_walk=0)
    scheduled_calls, _ = beats_of(reconcile.reconcile_on_beat, account, handle, beats)
    return SteadyFigures(
        servers=servers,
        beats=beats,
        beat_seconds=settings.CELERY_BEAT_SCHEDULE["reconcile-accounts"]["schedule"].total_seconds(),
        calls_walking_every_beat=every_beat_calls,
        calls_on_schedule=scheduled_calls,
        slowest_walk_seconds=slowest,
        rows_changed=DevServer.objects.filter(updated_at__gt=changed_since).count(),
    )


def check_steady(results: list[SteadyFigures]) -> list[str]:
    broken = []
    for figures in results:
        if figures.calls_on_schedule > figures.beats:
            broken.append(
                f"{figures.servers} servers: {figures.calls_on_schedule} calls in {figures.beats} beats"
            )
        if figures.calls_on_schedule < math.ceil(figures.servers / LIST_PAGE_SIZE):
            broken.append(f"{figures.servers} servers: the schedule never walked the whole list")
        if figures.rows_changed:
            broken.append(f"{figures.servers} servers: the steady passes changed {figures.rows_changed} rows")
    return broken


def print_steady(results: list[SteadyFigures]) -> None:
    beats, beat_seconds = results[0].beats, results[0].beat_seconds
    harness.print_table(
        [
            "servers",
            "list pages",
            "calls/min, a walk every beat",
            "calls/min, walk every N beats",
            "slowest walk",
        ],
        [
            [
                f"{item.servers:,}",
                math.ceil(item.servers / LIST_PAGE_SIZE),
                f"{item.per_minute(item.calls_walking_every_beat):.1f}",
                f"{item.per_minute(item.calls_on_schedule):.1f}",
                harness.seconds(item.slowest_walk_seconds),
            ]
            for item in results
        ],
        title=f"A steady account's cloud calls a minute: {beats} beats of {beat_seconds:.0f} s, simulated",
    )


def run_steady(sizes: list[int], beats: int) -> int:
    with harness.django_on_throwaway_database(), harness.scratch_folder() as folder:
        from django.contrib.auth.models import User

        from devservers.cloud import client_for

        with harness.emulator(folder, extra_args=emulator_args(folder)) as handle:
            account = benchmark_account(handle)
            client = client_for(account)
            buy_servers(client, 1)
            if not harness.wait_until(lambda: all_running(client), timeout=30, interval=0.5):
                raise RuntimeError("the bought server did not reach RUNNING")
            template_id = next(client.iter_dev_servers(all_users=True)).id
            owner = User.objects.create_user("bench-steady")
            results = [
                measure_steady(
                    size, beats, owner=owner, account=account, client=client, handle=handle,
                    template_id=template_id, store_path=folder / "emulator.sqlite3",
                )
                for size in sorted(sizes)
            ]  # fmt: skip
    print_steady(results)
    return harness.report_invariants(check_steady(results))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="100,1000,1100,10000", help="servers in the account, comma-separated"
    )
    parser.add_argument("--beats", type=int, default=20, help="beats simulated at each size (default 20)")
    options = parser.parse_args(argv)
    harness.print_context("Benchmark: a steady account's cloud calls a minute")
    return run_steady([int(size) for size in options.sizes.split(",")], options.beats)


if __name__ == "__main__":
    sys.exit(main())
