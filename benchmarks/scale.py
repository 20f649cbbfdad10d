"""The pages at 10, 1,000, 10,000 and 100,000 rows: queries per request, latency and CSV throughput.

Fills a throw-away PostgreSQL database (bulk_create) with rows across 8 teams, then asks, through
Django's test Client with DEBUG off, for the Instances page and its rows fragment (a team member, a
team admin and a superuser) and the review page and its fragment (the admin and the superuser; the
admin's sorted by name and by owner, a rare name search, the approval queue's page 2); then exports
the admin's and the superuser's CSV (its rows per second, then, in a second pass, the most memory
Python held while reading it to its end). Every row has the status event that brought it to its status,
as the cost figures read them. Last, team 0 is filled to `--big-team` rows and its member's list
and its admin's review are asked for. Exits 1 if a page's query count changes with the rows, or a
page does not answer 200.

    .venv/bin/python -m benchmarks.scale [--sizes 10,1000,10000,100000] [--requests 20] [--big-team 30000]
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import sys
import time
import tracemalloc
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from benchmarks import harness

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.test import Client

TEAMS = 8
MEMBERS_PER_TEAM = 4
PASSWORD = "bench-user-pass-1"
BATCH = 5000
WARM_UP = 3
# Each team's rows cycle through these, so every team holds a request awaiting approval at every size.
STATUSES = [
    "AWAITING_APPROVAL",
    "RUNNING",
    "STOPPED",
    "CREATING",
    *["RUNNING"] * 5,
    "CREATE_FAILED",
    "DELETED",
]
FLAVORS = ["Si2.large.4", "Si2.xlarge.4", "p2s.2xlarge.8"]
TEAM_BUDGET = Decimal("100000")
MEMBER_BUDGET = Decimal("50000")
# (label, who, path, HTMX fragment?)
PAGES = [
    ("list", "member", "/devservers/", False),
    ("list rows fragment", "member", "/devservers/rows/", True),
    ("list, team scope, page 2", "member", "/devservers/?scope=team&after={cursor}", False),
    ("list", "admin", "/devservers/", False),
    ("list", "superuser", "/devservers/", False),
    ("list rows fragment", "superuser", "/devservers/rows/", True),
    ("review", "admin", "/devservers/review/", False),
    ("review fragment", "admin", "/devservers/review/?status=RUNNING", True),
    # The live poll's answer once something changed (its token is stale): the results, the approval
    # queue and the alerts; a filter's fragment above leaves the queue and alerts as they are.
    ("review poll fragment, stale token", "admin", "/devservers/review/?v=stale", True),
    ("review, sort by name", "admin", "/devservers/review/?sort=name", False),
    ("review, sort by owner", "admin", "/devservers/review/?sort=owner", False),
    ("review, rare name search", "admin", "/devservers/review/?q=scale-0000", True),
    ("approval queue, page 2", "admin", "/devservers/review/?pending_page=2", False),
    ("review", "superuser", "/devservers/review/", False),
    ("review, sort by owner", "superuser", "/devservers/review/?sort=owner", False),
    ("review fragment", "superuser", "/devservers/review/?sort=-age", True),
]
# The done-when: a member of a team of this many rows (more rows added to team 0 after the sizes).
BIG_TEAM_PAGES = [
    ("list, big team", "member", "/devservers/", False),
    ("list rows fragment, big team", "member", "/devservers/rows/", True),
    ("list, big team, rare name search", "member", "/devservers/?scope=team&q=scale-0000", False),
    ("review, big team", "admin", "/devservers/review/", False),
]


@dataclass
class PageFigures:
    label: str
    who: str
    size: int
    latencies: list[float] = field(default_factory=list)
    queries: set[int] = field(default_factory=set)
    statuses: set[int] = field(default_factory=set)
    body_bytes: int = 0


@dataclass
class World:
    account: object
    teams: list = field(default_factory=list)
    members: list = field(default_factory=list)  # per team, its users
    users: dict[str, User] = field(default_factory=dict)  # "member", "admin", "superuser"


def make_world() -> World:
    from django.contrib.auth.models import User

    from devservers.models import CloudAccount, Membership, Team, TeamPolicy

    # The pages never call the cloud, so the account's endpoint is never reached.
    account = CloudAccount.objects.create(
        name="Benchmark (unreachable)", project_id="0" * 32, modelarts_endpoint="http://127.0.0.1:9"
    )
    world = World(account=account)
    for team_number in range(TEAMS):
        team = Team.objects.create(name=f"team-{team_number}")
        team.accounts.add(account)
        # Budgets, so the review page works out its alerts as a team that sets them makes it do.
        TeamPolicy.objects.create(team=team, monthly_budget=TEAM_BUDGET, member_monthly_budget=MEMBER_BUDGET)
        users = [
            User.objects.create_user(f"t{team_number}-user{index}", password=PASSWORD)
            for index in range(MEMBERS_PER_TEAM)
        ]
        for index, user in enumerate(users):
            role = Membership.Role.ADMIN if index == 0 else Membership.Role.MEMBER
            Membership.objects.create(team=team, user=user, role=role)
        world.teams.append(team)
        world.members.append(users)
    world.users = {
        "admin": world.members[0][0],
        "member": world.members[0][1],
        "superuser": User.objects.create_superuser("bench-root", password=PASSWORD),
    }
    return world


def fill_to(world: World, size: int, *, only_team: int | None = None) -> None:
    """Add rows until the table holds `size`, spread over the teams and their members (or all in
    `only_team`), each with the status event that brought it to its status, as the flow writes one."""
    from django.db import connection
    from django.utils import timezone

    from devservers.costs import ledger
    from devservers.models import DevServer, DevServerEvent
    from tests.dashboard import forms_data

    have = DevServer.objects.count()
    for start in range(have, size, BATCH):
        made = DevServer.objects.bulk_create(
            DevServer(
                owner=world.members[team_of(index, only_team)][index // TEAMS % MEMBERS_PER_TEAM],
                team=world.teams[team_of(index, only_team)],
                account=world.account,
                name=f"scale-{index:06d}",
                flavor=FLAVORS[index % len(FLAVORS)],
                accelerator_count=1 if FLAVORS[index % len(FLAVORS)].startswith("p") else 0,
                image_id=forms_data.SEED_IMAGE_ID,
                image_name="Ubuntu18.04_x86_64_CPU",
                vpc_id=forms_data.SEED_VPC_ID,
                subnet_id=forms_data.SEED_SUBNET_ID,
                security_group_id=forms_data.SEED_SECURITY_GROUP_ID,
                login_method="key_pair",
                key_pair_name="KeyPair-dev",
                status=STATUSES[index // TEAMS % len(STATUSES)],
                cloud_id=f"bench-{index:06d}",
                private_ip=f"192.168.{index // 250 % 250}.{index % 250 + 2}",
            )
            for index in range(start, min(size, start + BATCH))
        )
        DevServerEvent.objects.bulk_create(
            DevServerEvent(
                devserver=row,
                created_at=row.created_at,
                kind=DevServerEvent.Kind.STATUS,
                status_from="QUEUED",
                status_to=row.status,
            )
            for row in made
        )
    # The billing ledger's clocks folded, as the beat has done once the fill is a minute old.
    ledger.fold(timezone.now(), keep_last=datetime.timedelta(0))
    with connection.cursor() as cursor:
        # Fresh statistics and visibility map, as autovacuum would have them on a live table.
        for table in ("devservers_devserver", "devservers_devserverevent", "devservers_billingtally"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def team_of(index: int, only_team: int | None) -> int:
    return index % TEAMS if only_team is None else only_team


def team_rows(world: World, team_index: int) -> int:
    from devservers.models import DevServer

    return DevServer.objects.filter(team=world.teams[team_index]).count()


def logged_in(user: User) -> Client:
    from django.test import Client

    # Not under the test runner, so "testserver" is no allowed host: ask for localhost.
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    return client


def _second_page_cursor(user: User) -> int:
    """The id a member's team-scope page 1 ends at: page 2 starts after it."""
    from devservers.instances import listing

    rows = listing.scoped_rows(user, "team", listing.team_ids_of(user)).order_by("-id")
    return rows.values_list("pk", flat=True)[listing.PAGE_SIZE - 1]


def measure_page(client: Client, path: str, fragment: bool, requests: int, figures: PageFigures) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HTTP_HX_REQUEST": "true"} if fragment else {}
    for number in range(WARM_UP + requests):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path, **headers)
            elapsed = time.perf_counter() - started
        if number < WARM_UP:
            continue
        figures.latencies.append(elapsed)
        figures.queries.add(len(captured.captured_queries))
        figures.statuses.add(response.status_code)
        figures.body_bytes = len(response.content)


def measure_csv(client: Client) -> tuple[int, float]:
    """Rows exported and seconds, reading the stream to its end as a browser would."""
    started = time.perf_counter()
    response = client.get("/devservers/review/export.csv")
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    return lines - 1, time.perf_counter() - started


def csv_peak_memory(client: Client) -> int:
    """The most memory Python held at once (bytes, over what it held before) while the export was
    read to its end: a second pass, since tracing slows it down."""
    tracemalloc.start()
    try:
        response = client.get("/devservers/review/export.csv")
        for _chunk in response.streaming_content:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def run_size(
    world: World, size: int, requests: int, clients: dict[str, Client], pages: list = PAGES
) -> list[PageFigures]:
    from django.test.utils import override_settings

    cursor = _second_page_cursor(world.users["member"]) if size // TEAMS > 50 else 0
    results = []
    with override_settings(DEBUG=False):
        for label, who, path, fragment in pages:
            if "{cursor}" in path and not cursor:
                continue
            figures = PageFigures(label=label, who=who, size=size)
            measure_page(clients[who], path.format(cursor=cursor), fragment, requests, figures)
            results.append(figures)
    return results


def csv_figures(clients: dict[str, Client], size: int) -> list[list[object]]:
    from django.test.utils import override_settings

    rows = []
    with override_settings(DEBUG=False):
        for who in ("admin", "superuser"):
            exported, elapsed = measure_csv(clients[who])
            peak = csv_peak_memory(clients[who])
            rows.append(
                [
                    f"{size:,}",
                    who,
                    f"{exported:,}",
                    f"{elapsed:.2f} s",
                    f"{exported / elapsed:,.0f}",
                    f"{peak / 2**20:.1f} MiB",
                ]
            )
    return rows


def check(results: list[PageFigures]) -> list[str]:
    broken = []
    key = lambda item: (item.label, item.who)  # noqa: E731
    for (label, who), group in itertools.groupby(sorted(results, key=key), key=key):
        group = list(group)
        # The fewest a request made: the session's "last seen" stamp adds a write now and then, by time.
        counts = {min(item.queries) for item in group if item.queries}
        if len(counts) > 1:
            by_size = ", ".join(f"{item.size:,}: {sorted(item.queries)}" for item in group)
            broken.append(f"{label} ({who}): the query count changes with the rows ({by_size})")
        for item in group:
            if item.statuses != {200}:
                broken.append(f"{label} ({who}) at {item.size:,} rows answered {sorted(item.statuses)}")
    return broken


def ledger_checked() -> list[str]:
    """The billing ledger, kept by triggers through every bulk fill, against the rows' status events."""
    from devservers.costs import ledger
    from devservers.models import BillingTally

    drift = ledger.drift()
    print(f"  billing ledger: {BillingTally.objects.count():,} tally rows, drift {drift}", flush=True)
    return [f"the billing ledger differs from the rows: {drift}"] if drift else []


def print_results(
    results: list[PageFigures], *, title: str = "Pages (Django test Client, DEBUG off, one client, serial)"
) -> None:
    harness.print_table(
        ["page", "who", "rows", "queries", "p50", "p95", "body"],
        [
            [
                item.label,
                item.who,
                f"{item.size:,}",
                "/".join(str(count) for count in sorted(item.queries)),
                harness.milliseconds(harness.percentile(item.latencies, 0.5)),
                harness.milliseconds(harness.percentile(item.latencies, 0.95)),
                f"{item.body_bytes:,} B",
            ]
            for item in sorted(results, key=lambda item: (item.label, item.who, item.size))
        ],
        title=title,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,1000,10000,100000", help="rows in the table, comma-separated")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page and size")
    parser.add_argument(
        "--big-team", type=int, default=30000, help="then rows in one team, for its member's list (0: skip)"
    )
    options = parser.parse_args(argv)
    sizes = sorted(int(size) for size in options.sizes.split(","))
    harness.print_context("Benchmark: pages at scale")

    with harness.django_on_throwaway_database():
        world = make_world()
        clients = {who: logged_in(user) for who, user in world.users.items()}
        results: list[PageFigures] = []
        csv_rows: list[list[object]] = []
        for size in sizes:
            fill_to(world, size)
            results += run_size(world, size, options.requests, clients)
            csv_rows += csv_figures(clients, size)
            print(f"  measured at {size:,} rows", flush=True)
        if options.big_team:
            have = team_rows(world, 0)
            total = sizes[-1] + max(0, options.big_team - have)
            fill_to(world, total, only_team=0)
            big = run_size(world, total, options.requests, clients, BIG_TEAM_PAGES)
            print(
                f"  measured with team 0 at {team_rows(world, 0):,} rows ({total:,} in the table)", flush=True
            )
            print_results(big, title=f"A team of {team_rows(world, 0):,} rows ({total:,} in the table)")
            results += big
        print_results(results)
        harness.print_table(
            ["rows in the table", "who", "CSV rows", "time", "rows/s", "peak Python memory"],
            csv_rows,
            title="CSV export (streamed, read to the end)",
        )
        return harness.report_invariants(check(results) + ledger_checked())


if __name__ == "__main__":
    sys.exit(main())
