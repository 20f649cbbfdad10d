"""How long reconciling one large account takes: `reconcile.reconcile_account` over an account
whose cloud project holds a thousand-odd servers, first with every row stale, then with nothing
changed.

Servers are bought straight from the emulator through the client (a thread pool of create calls,
10 servers each, spread over every subnet the catalogue offers); rows are bulk-created for most of
them with a stale status, a few rows point at servers the cloud no longer has, and a few servers
have no row. Prints per pass the seconds, list pages fetched (the emulator's counters), SQL
queries and rows changed. Exits 1 if a tracked row does not end with the cloud's status, a row
whose server is gone is not marked DELETED, the second pass changes anything, or more list pages
were fetched than the list has.

A steady account's calls a minute at 100 to 10,000 servers: `benchmarks/reconcile_steady.py`.

    .venv/bin/python -m benchmarks.reconcile [--servers 1200]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import account_fill, harness
from tests.dashboard import forms_data

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from devservers.models import CloudAccount
    from modelarts_client import DevServer as CloudServer
    from modelarts_client import ModelArtsClient
    from tests.fixtures.emulator import EmulatorHandle

LIST_ROUTE = "GET /v1/{project_id}/dev-servers/all"
LIST_PAGE_SIZE = 1024
UNTRACKED_SHARE = 0.05
GONE_ROWS = 20
FLAVOR = forms_data.SEED_FLAVOR
IMAGE_ID = forms_data.SEED_IMAGE_ID


@dataclass
class PassFigures:
    label: str
    seconds: float
    list_pages: int
    sql_queries: int
    rows_changed: int
    rows_imported: int
    events_written: int


def emulator_args(folder: Path) -> list[str]:
    """The built-in credentials and project, with a quota large enough for the benchmark."""
    return account_fill.emulator_args(folder, quota=10_000)


def benchmark_account(handle: EmulatorHandle) -> CloudAccount:
    from tests.fixtures.dashboard import emulator_account

    return emulator_account(handle, name="Benchmark emulator")


def buy_servers(client: ModelArtsClient, servers: int) -> None:
    account_fill.prefill(client, servers, account_fill.networks_of(client))


def all_running(client: ModelArtsClient) -> bool:
    return all(server.status == "RUNNING" for server in client.iter_dev_servers(all_users=True))


def row_fields(owner: User, account: CloudAccount) -> dict[str, object]:
    return {
        "owner": owner,
        "account": account,
        "flavor": FLAVOR,
        "image_id": IMAGE_ID,
        "vpc_id": "-",
        "subnet_id": "-",
        "security_group_id": "-",
        "login_method": "key_pair",
        "key_pair_name": "KeyPair-dev",
        "status": "CREATING",
    }


def make_rows(owner: User, account: CloudAccount, cloud: list[CloudServer]) -> tuple[list[int], list[int]]:
    """Rows for most servers, stale (CREATING, no snapshot), plus rows whose server is gone; their ids."""
    from devservers.models import DevServer

    untracked = max(1, int(len(cloud) * UNTRACKED_SHARE))
    common = row_fields(owner, account)
    tracked = DevServer.objects.bulk_create(
        DevServer(name=server.name, cloud_id=server.id, **common) for server in cloud[untracked:]
    )
    gone = DevServer.objects.bulk_create(
        DevServer(name=f"gone-{index:03d}", cloud_id=f"gone-{index:03d}", **common)
        for index in range(GONE_ROWS)
    )
    return [row.pk for row in tracked], [row.pk for row in gone]


def timed_list(client: ModelArtsClient, handle: EmulatorHandle) -> PassFigures:
    """The list walk alone, the part of a pass the dashboard cannot make cheaper."""
    pages_before = handle.counters().get(LIST_ROUTE, 0)
    started = time.perf_counter()
    sum(1 for _ in client.iter_dev_servers(all_users=True))
    seconds = time.perf_counter() - started
    pages = handle.counters().get(LIST_ROUTE, 0) - pages_before
    return PassFigures("list walk only", seconds, pages, 0, 0, 0, 0)


def timed_reconcile(label: str, account: CloudAccount, handle: EmulatorHandle) -> PassFigures:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from devservers.models import DevServer, DevServerEvent
    from devservers.provisioning import reconcile

    pages_before = handle.counters().get(LIST_ROUTE, 0)
    events_before = DevServerEvent.objects.count()
    imported_before = DevServer.objects.filter(is_imported=True).count()
    changed_since = DevServer.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    # The query log keeps connection.queries_limit entries; a pass must start with it empty.
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        reconcile.reconcile_account(account_id=account.pk)
        seconds = time.perf_counter() - started
    return PassFigures(
        label=label,
        seconds=seconds,
        list_pages=handle.counters().get(LIST_ROUTE, 0) - pages_before,
        sql_queries=len(captured.captured_queries),
        rows_changed=DevServer.objects.filter(updated_at__gt=changed_since).count(),
        rows_imported=DevServer.objects.filter(is_imported=True).count() - imported_before,
        events_written=DevServerEvent.objects.count() - events_before,
    )


def check(
    passes: list[PassFigures], tracked: list[int], gone: list[int], cloud_status: dict[str, str], total: int
) -> list[str]:
    from devservers.models import DevServer

    broken = []
    expected_pages = math.ceil(total / LIST_PAGE_SIZE)
    for figures in passes:
        if figures.list_pages != expected_pages:
            broken.append(f"{figures.label}: {figures.list_pages} list pages for {total} servers")
    wrong = [
        name
        for name, cloud_id, status in DevServer.objects.filter(pk__in=tracked).values_list(
            "name", "cloud_id", "status"
        )
        if status != cloud_status[cloud_id]
    ]
    if wrong:
        broken.append(f"{len(wrong)} tracked rows differ from the cloud's status, e.g. {wrong[:3]}")
    not_gone = DevServer.objects.filter(pk__in=gone).exclude(status="DELETED").count()
    if not_gone:
        broken.append(f"{not_gone} rows whose server left the cloud are not marked DELETED")
    if passes[-1].events_written or passes[-1].rows_changed:
        broken.append(
            f"the pass with nothing changed wrote {passes[-1].events_written} events, "
            f"changed {passes[-1].rows_changed} rows"
        )
    return broken


def _query_count_text(count: int) -> str:
    from django.db import connection

    return f"{count}+ (log full)" if count >= connection.queries_limit else str(count)


def print_results(
    passes: list[PassFigures], total: int, tracked: int, gone: int, setup_seconds: float
) -> None:
    harness.print_table(
        ["pass", "seconds", "list pages", "SQL queries", "rows changed", "rows imported", "events written"],
        [
            [
                item.label,
                f"{item.seconds:.2f}",
                item.list_pages,
                _query_count_text(item.sql_queries),
                item.rows_changed,
                item.rows_imported,
                item.events_written,
            ]
            for item in passes
        ],
        title=(
            f"reconcile_account: {total} servers in the cloud, {tracked} tracked rows, "
            f"{total - tracked} servers without a row, {gone} rows whose server is gone "
            f"(setup {setup_seconds:.1f} s)"
        ),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--servers",
        type=int,
        default=1200,
        help="servers in the cloud (default 1200; the emulator's subnets hold about 17,600)",
    )
    options = parser.parse_args(argv)
    harness.print_context("Benchmark: reconcile one account")

    with harness.django_on_throwaway_database(), harness.scratch_folder() as folder:
        from django.contrib.auth.models import User

        from devservers.cloud import client_for

        with harness.emulator(folder, extra_args=emulator_args(folder)) as handle:
            started = time.monotonic()
            account = benchmark_account(handle)
            client = client_for(account)
            buy_servers(client, options.servers)
            if not harness.wait_until(lambda: all_running(client), timeout=30, interval=0.5):
                raise RuntimeError("the bought servers did not all reach RUNNING")
            cloud = list(client.iter_dev_servers(all_users=True))
            owner = User.objects.create_user("bench-reconciler")
            tracked, gone = make_rows(owner, account, cloud)
            setup_seconds = time.monotonic() - started
            passes = [
                timed_list(client, handle),
                timed_reconcile("1: every row stale", account, handle),
                timed_reconcile("2: nothing changed", account, handle),
            ]
            print_results(passes, len(cloud), len(tracked), len(gone), setup_seconds)
            cloud_status = {server.id: server.status for server in cloud}
            return harness.report_invariants(check(passes, tracked, gone, cloud_status, len(cloud)))


if __name__ == "__main__":
    sys.exit(main())
