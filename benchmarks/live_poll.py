"""What one live-list poll costs when nothing changed, against one after a change.

A user with a few hundred DevServer rows polls `/devservers/rows/?v=<token>` through Django's test
Client (in process: no HTTP server, the real middleware, Redis sessions and PostgreSQL). Prints
requests per second, latency p50/p95 and the SQL queries per poll for both cases. Exits 1 if an
unchanged poll is not answered 204 without SQL, or a changed one does not bring the rows.

    .venv/bin/python -m benchmarks.live_poll [--rows 300] [--unchanged 2000] [--changed 100]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from benchmarks import harness

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

    from devservers.models import CloudAccount

ROWS_URL = "/devservers/rows/"
_TOKEN_IN_PAGE = re.compile(r'hx-vals=\'\{"v": "([^"]+)"\}\'')
WARM_UP_POLLS = 20


@dataclass
class PollFigures:
    label: str
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    sql_seconds: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    body_bytes: int = 0

    @property
    def requests_per_second(self) -> float:
        return len(self.latencies) / sum(self.latencies) if self.latencies else float("nan")


def _make_rows(owner: User, account: CloudAccount, count: int) -> None:
    from devservers.models import DevServer
    from tests.dashboard import forms_data

    statuses = ["RUNNING"] * 7 + ["STOPPED", "CREATING", "CREATE_FAILED"]
    DevServer.objects.bulk_create(
        DevServer(
            owner=owner,
            account=account,
            name=f"poll-{index:04d}",
            flavor=forms_data.SEED_FLAVOR,
            image_id=forms_data.SEED_IMAGE_ID,
            image_name="Ubuntu18.04_x86_64_CPU",
            vpc_id=forms_data.SEED_VPC_ID,
            subnet_id=forms_data.SEED_SUBNET_ID,
            security_group_id=forms_data.SEED_SECURITY_GROUP_ID,
            login_method="key_pair",
            key_pair_name="KeyPair-dev",
            status=statuses[index % len(statuses)],
            cloud_id=f"bench-{index:04d}",
            private_ip=f"192.168.{index // 250}.{index % 250 + 2}",
        )
        for index in range(count)
    )


def _logged_in_client(owner: User, password: str) -> Client:
    from django.test import Client

    # Not under the test runner, so "testserver" is no allowed host: ask for localhost.
    client = Client(HTTP_HOST="localhost", HTTP_HX_REQUEST="true")
    # force_login: django-axes' backend refuses a login() that comes with no request.
    client.force_login(owner)
    return client


def _token_of_list_page(client: Client) -> str:
    page = client.get("/devservers/")
    match = _TOKEN_IN_PAGE.search(page.content.decode())
    if page.status_code != 200 or match is None:
        raise RuntimeError(f"the list page answered {page.status_code} without a poll token")
    return match.group(1)


def _timed_poll(client: Client, token: str, figures: PollFigures) -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()  # the query log is bounded; an emptied log counts every query of this poll
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = client.get(ROWS_URL, {"v": token})
        figures.latencies.append(time.perf_counter() - started)
    figures.queries.append(len(captured.captured_queries))
    figures.sql_seconds.append(sum(float(query["time"]) for query in captured.captured_queries))
    figures.statuses.add(response.status_code)
    figures.body_bytes = len(response.content)


def measure_unchanged(client: Client, token: str, polls: int) -> PollFigures:
    figures = PollFigures("unchanged (204)")
    for _ in range(WARM_UP_POLLS):
        client.get(ROWS_URL, {"v": token})
    for _ in range(polls):
        _timed_poll(client, token, figures)
    return figures


def measure_changed(client: Client, token: str, owner: User, polls: int) -> PollFigures:
    """Each poll follows a change to the user's rows (the counter a write bumps after its commit)."""
    from devservers import live

    figures = PollFigures("changed (200 + rows)")
    for number in range(WARM_UP_POLLS // 4 + polls):
        live._bump_now([live.owner_scope(owner.pk)])
        if number < WARM_UP_POLLS // 4:
            client.get(ROWS_URL, {"v": token})
        else:
            _timed_poll(client, token, figures)
    return figures


def check(unchanged: PollFigures, changed: PollFigures, rows: int) -> list[str]:
    broken = []
    if unchanged.statuses != {204}:
        broken.append(f"an unchanged poll answered {sorted(unchanged.statuses)}, not only 204")
    if any(unchanged.queries):
        broken.append(f"an unchanged poll ran SQL (up to {max(unchanged.queries)} queries)")
    if changed.statuses != {200}:
        broken.append(f"a poll after a change answered {sorted(changed.statuses)}, not only 200")
    if changed.body_bytes < rows * 100:
        broken.append(
            f"the fragment after a change is {changed.body_bytes} bytes: the {rows} rows are missing"
        )
    return broken


def print_results(figures: list[PollFigures], rows: int) -> None:
    harness.print_table(
        ["poll", "polls", "req/s", "p50", "p95", "max", "SQL per poll", "SQL time p50", "body"],
        [
            [
                item.label,
                len(item.latencies),
                f"{item.requests_per_second:.0f}",
                harness.milliseconds(harness.percentile(item.latencies, 0.5)),
                harness.milliseconds(harness.percentile(item.latencies, 0.95)),
                harness.milliseconds(max(item.latencies, default=float("nan"))),
                "-".join(str(count) for count in sorted({min(item.queries), max(item.queries)})),
                harness.milliseconds(harness.percentile(item.sql_seconds, 0.5)),
                f"{item.body_bytes} B",
            ]
            for item in figures
        ],
        title=f"Live list poll, {rows} rows for one user (Django test Client, one client, serial)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=300, help="DevServer rows of the user (default 300)")
    parser.add_argument("--unchanged", type=int, default=2000, help="timed polls with nothing changed")
    parser.add_argument("--changed", type=int, default=100, help="timed polls each after a change")
    options = parser.parse_args(argv)
    harness.print_context("Benchmark: live list poll")

    with harness.django_on_throwaway_database():
        from django.contrib.auth.models import User

        from devservers.models import CloudAccount

        password = "bench-user-pass-1"
        owner = User.objects.create_user("bench-poller", password=password)
        # The list never calls the cloud, so the account's endpoint is never reached.
        account = CloudAccount.objects.create(
            name="Benchmark (unreachable)", project_id="0" * 32, modelarts_endpoint="http://127.0.0.1:9"
        )
        _make_rows(owner, account, options.rows)
        client = _logged_in_client(owner, password)
        token = _token_of_list_page(client)
        unchanged = measure_unchanged(client, token, options.unchanged)
        changed = measure_changed(client, token, owner, options.changed)
        print_results([unchanged, changed], options.rows)
        return harness.report_invariants(check(unchanged, changed, options.rows))


if __name__ == "__main__":
    sys.exit(main())
