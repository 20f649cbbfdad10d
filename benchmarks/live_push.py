"""Pushed live updates: how long a committed change takes to show in Chromium, what one change costs
at 100 and at 10,000 rows, and how many streams one web process holds.

Starts a throw-away database, a private Redis and the app under uvicorn (`dashboard.asgi`, one
process), then:

1. DB → DOM: `--changes` (100) status changes, one at a time, to a row shown on the list, the detail
   and the review page open in headless Chromium; each change is written by this process (in turn
   `set_status`, `save()` as the admin does, `QuerySet.update()` as a management command does) and
   timed from just before the write to the moment a MutationObserver in the page sees the new status
   (both clocks are this machine's). p50 / p95 / max per page, and whether any poll was sent.
2. The cost of one change at each of `--sizes` (100, 10,000) rows the user can see: the list
   stream's render of one change (in this process, as the stream does it: SQL queries and time, with
   and without the totals), and DB → DOM on the list at that size.
3. `--streams` (1,000) list streams opened on the one uvicorn process: its memory (RSS) and threads
   before and after, so the memory per stream; its PostgreSQL connections; and how long one change
   takes to reach every stream. Once for each of `--stream-users` (1 and 1,000): the streams are
   that many users' tabs, and a change is rendered once per user (an audience), not once per tab.

Exits 1 if a change never showed, a page polled while its stream was live, or a render's query
count differed between sizes.

    .venv/bin/python -m benchmarks.live_push [--changes 100] [--sizes 100,10000] [--streams 1000]
        [--stream-users 1,1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import harness

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from playwright.sync_api import Page

    from devservers.models import CloudAccount, DevServer, Team

PASSWORD = "bench-user-pass-1"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SHOW_TIMEOUT_S = 10.0
# Records, in epoch milliseconds, each text the watched status badge shows.
WATCH_JS = """
(selector) => {
  window.__seen = [];
  window.__polls = 0;
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    const config = event.detail.requestConfig;
    const catchUp = config && config.headers["X-Live-Catch-Up"];
    if (event.detail.elt.hasAttribute("data-live-poll") && !catchUp) window.__polls += 1;
  });
  let last = null;
  const record = () => {
    const badge = document.querySelector(selector);
    const text = badge && badge.textContent.trim();
    if (text && text !== last) {
      last = text;
      window.__seen.push({ text, at: performance.timeOrigin + performance.now() });
    }
  };
  record();
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
}
"""
STATUS_TEXT = {"RUNNING": "Running", "STOPPED": "Stopped"}


@dataclass
class Latencies:
    label: str
    seconds: list[float] = field(default_factory=list)
    missed: int = 0
    polls: int = 0


# The server ---------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _raise_open_files_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


@contextmanager
def uvicorn(environment: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "dashboard.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--timeout-graceful-shutdown",
            "2",
        ],
        cwd=harness.PROJECT_ROOT,
        env={**os.environ, **environment},
        preexec_fn=_raise_open_files_limit,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        if not harness.wait_until(lambda: _answers(port), timeout=60):  # a busy machine starts it slowly
            raise RuntimeError("uvicorn did not start")
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _process_memory(pid: int) -> tuple[int, int]:
    """(RSS in KiB, threads) of a process."""
    text = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["Threads"].strip())


def _database_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


# The world ----------------------------------------------------------------------------------------------


def _world() -> tuple[User, User, CloudAccount, Team]:
    from django.contrib.auth.models import User

    from devservers.models import CloudAccount, Membership, Team

    member = User.objects.create_user("bench-member", password=PASSWORD)
    admin = User.objects.create_user("bench-admin", password=PASSWORD)
    account = CloudAccount.objects.create(
        name="Benchmark (unreachable)", project_id="0" * 32, modelarts_endpoint="http://127.0.0.1:9"
    )
    team = Team.objects.create(name="bench-team")
    team.accounts.add(account)
    Membership.objects.create(team=team, user=member, role=Membership.Role.MEMBER)
    Membership.objects.create(team=team, user=admin, role=Membership.Role.ADMIN)
    return member, admin, account, team


def _fill(owner: User, account: CloudAccount, team: Team, count: int, *, prefix: str) -> None:
    from devservers.models import DevServer

    DevServer.objects.bulk_create(
        (
            DevServer(
                **_running_row(
                    owner, account, team, f"{prefix}-{index:05d}", cloud_id=f"{prefix}-{index:05d}"
                )
            )
            for index in range(count)
        ),
        batch_size=2000,
    )


def _running_row(owner: User, account: CloudAccount, team: Team, name: str, *, cloud_id: str) -> dict:
    """A RUNNING row's fields on the seeded catalogue."""
    from tests.dashboard import forms_data

    return {
        "owner": owner,
        "account": account,
        "team": team,
        "name": name,
        "flavor": forms_data.SEED_FLAVOR,
        "image_id": forms_data.SEED_IMAGE_ID,
        "vpc_id": forms_data.SEED_VPC_ID,
        "subnet_id": forms_data.SEED_SUBNET_ID,
        "security_group_id": forms_data.SEED_SECURITY_GROUP_ID,
        "status": "RUNNING",
        "cloud_id": cloud_id,
    }


def _watched_row(owner: User, account: CloudAccount, team: Team, name: str) -> DevServer:
    from devservers.models import DevServer

    return DevServer.objects.create(**_running_row(owner, account, team, name, cloud_id=f"{name}-id"))


# 1 and 2: DB → DOM in Chromium ----------------------------------------------------------------------


def _write(row_id: int, status: str, way: int) -> None:
    """One committed status change, the three ways a row is written."""
    from devservers.history import set_status
    from devservers.models import DevServer

    if way == 0:
        set_status(DevServer.objects.get(pk=row_id), status)
    elif way == 1:
        row = DevServer.objects.get(pk=row_id)
        row.status = status
        row.save()  # as the Django admin saves
    else:
        DevServer.objects.filter(pk=row_id).update(status=status)  # as a management command would


def _log_in(page: Page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()


def measure_page(page: Page, path: str, badge: str, row_id: int, changes: int, label: str) -> Latencies:
    from devservers.models import DevServer

    figures = Latencies(label)
    page.goto(path)
    page.wait_for_selector("#live-stream[data-state=live]", state="attached", timeout=15_000)
    page.evaluate(WATCH_JS, badge)
    status = DevServer.objects.get(pk=row_id).status  # where the page before left it
    for number in range(changes):
        status = "STOPPED" if status == "RUNNING" else "RUNNING"
        seen_before = page.evaluate("window.__seen.length")
        started = time.time()
        _write(row_id, status, number % 3)
        deadline = time.monotonic() + SHOW_TIMEOUT_S
        while True:
            seen = page.evaluate("window.__seen")
            shown = [entry for entry in seen[seen_before:] if entry["text"] == STATUS_TEXT[status]]
            if shown:
                figures.seconds.append(shown[0]["at"] / 1000 - started)
                break
            if time.monotonic() > deadline:
                figures.missed += 1
                break
            time.sleep(0.005)
    figures.polls = page.evaluate("window.__polls")
    return figures


def _new_page(browser, url: str, username: str) -> Page:
    context = browser.new_context(base_url=url)
    page = context.new_page()
    _log_in(page, username)
    return page


def print_latencies(figures: list[Latencies], title: str) -> None:
    harness.print_table(
        ["page", "changes", "p50", "p95", "max", "never shown", "polls sent"],
        [
            [
                item.label,
                len(item.seconds) + item.missed,
                harness.milliseconds(harness.percentile(item.seconds, 0.5)),
                harness.milliseconds(harness.percentile(item.seconds, 0.95)),
                harness.milliseconds(max(item.seconds, default=float("nan"))),
                item.missed,
                item.polls,
            ]
            for item in figures
        ],
        title=title,
    )


# 2: what one change costs the list's stream -------------------------------------------------------------


@dataclass
class RenderCost:
    rows: int
    queries: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)


def measure_render(user: User, row_id: int, rows: int, repeats: int = 50) -> RenderCost:
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from devservers import live
    from devservers.push import fragments
    from devservers.push.channel import Change

    request = RequestFactory().get("/devservers/live/list/")
    request.user = user
    page = fragments.list_page(request)
    cost = RenderCost(rows)
    for label, totals in (("row only", False), ("row + totals", True)):
        change = Change(
            ids=frozenset({row_id}), scopes=frozenset({live.owner_scope(user.pk)}), totals_may_change=totals
        )
        page.render(change)  # warm
        cost.seconds[label] = []
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                page.render(change)
                cost.seconds[label].append(time.perf_counter() - started)
            cost.queries[label] = len(captured.captured_queries)
    return cost


def print_render_costs(costs: list[RenderCost]) -> None:
    harness.print_table(
        ["rows the user sees", "change", "SQL queries", "render p50", "render p95"],
        [
            [
                f"{cost.rows:,}",
                label,
                cost.queries[label],
                harness.milliseconds(harness.percentile(seconds, 0.5)),
                harness.milliseconds(harness.percentile(seconds, 0.95)),
            ]
            for cost in costs
            for label, seconds in cost.seconds.items()
        ],
        title="One change on the list's stream (rendered in this process as the stream does it)",
    )


# 3: streams per process ----------------------------------------------------------------------------------


def _stream_sessions(member: User, team: Team, users: int) -> list[str]:
    """Session cookies of `users` members of the team (the member first), each having seen one page, as
    a browser would before its stream opens (the session gets its start stamp, so no stream writes it)."""
    from django.contrib.auth.models import User
    from django.test import Client

    from devservers.models import Membership

    others = User.objects.bulk_create(
        User(username=f"bench-watcher-{number}", password="!") for number in range(users - 1)
    )
    Membership.objects.bulk_create(
        Membership(team=team, user=user, role=Membership.Role.MEMBER) for user in others
    )
    cookies = []
    for user in [member, *others]:
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        client.get("/devservers/")
        cookies.append(client.cookies["sessionid"].value)
    return cookies


async def _open_stream(port: int, cookie: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        (
            "GET /devservers/live/list/?scope=team HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n"
            f"Cookie: sessionid={cookie}\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    buffer = b""
    while b"event: ready" not in buffer:
        chunk = await reader.read(4096)
        if not chunk:
            raise RuntimeError(f"a stream closed before it was ready: {buffer[:300]!r}")
        buffer += chunk
    return reader, writer


async def _until_change(reader: asyncio.StreamReader) -> float:
    buffer = b""
    while b"event: change" not in buffer:
        chunk = await reader.read(65536)
        if not chunk:
            raise RuntimeError("a stream closed before the change")
        buffer += chunk
    return time.monotonic()


async def _streams(port: int, cookies: list[str], count: int, pid: int, change) -> dict[str, object]:
    """`count` streams, the users' in turn (so `len(cookies)` audiences, each rendered once a change)."""
    before = _process_memory(pid)
    connections_before = await asyncio.to_thread(_database_connections)
    streams = []
    opened_at = time.monotonic()
    for start in range(0, count, 100):  # in batches, as pages open
        streams += await asyncio.gather(
            *(
                _open_stream(port, cookies[number % len(cookies)])
                for number in range(start, min(count, start + 100))
            )
        )
    opening = time.monotonic() - opened_at
    await asyncio.sleep(1)
    after = _process_memory(pid)
    connections_after = await asyncio.to_thread(_database_connections)
    waits = [asyncio.create_task(_until_change(reader)) for reader, _ in streams]
    started = time.monotonic()
    await asyncio.to_thread(change)
    arrived = await asyncio.gather(*waits)
    for _, writer in streams:
        writer.close()
    return {
        "streams": count,
        "users (audiences)": len(cookies),
        "opened in": harness.seconds(opening),
        "RSS before": f"{before[0] / 1024:.1f} MiB",
        "RSS with streams": f"{after[0] / 1024:.1f} MiB",
        "per stream": f"{(after[0] - before[0]) / count:.1f} KiB",
        "threads": f"{before[1]} → {after[1]}",
        "DB connections": f"{connections_before} → {connections_after}",
        "one change reaches all": harness.seconds(max(arrived) - started),
        "first": harness.milliseconds(min(arrived) - started),
    }


# Main ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--changes", type=int, default=100, help="status changes per page (default 100)")
    parser.add_argument("--sizes", default="100,10000", help="rows the user sees, comma-separated")
    parser.add_argument(
        "--streams", type=int, default=1000, help="streams opened on one process (default 1000)"
    )
    parser.add_argument(
        "--stream-users",
        default="1,1000",
        type=lambda text: [int(users) for users in text.split(",")],
        help="users the streams belong to, a run for each, comma-separated (default 1,1000): one user's "
        "tabs share one render of a change, every other user's page renders its own",
    )
    options = parser.parse_args(argv)
    sizes = [int(size) for size in options.sizes.split(",")]
    _raise_open_files_limit()
    # Playwright's sync API keeps an asyncio loop running in this thread, so Django's ORM would refuse
    # this process's writes; the documented way out (as in tests/browser/conftest.py).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    harness.print_context("Benchmark: live push (server-sent events)")
    broken: list[str] = []

    with harness.django_on_throwaway_database() as environment, uvicorn(environment) as (url, server):
        from django.contrib.auth.models import User
        from playwright.sync_api import sync_playwright

        from devservers import history
        from devservers.models import DevServer

        member, admin, account, team = _world()
        watched = _watched_row(member, account, team, "watched")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            member_page = _new_page(browser, url, member.username)
            admin_page = _new_page(browser, url, admin.username)
            pages = [
                measure_page(
                    member_page,
                    "/devservers/",
                    f"#devserver-{watched.pk} [data-testid=status]",
                    watched.pk,
                    options.changes,
                    "list",
                ),
                measure_page(
                    member_page,
                    f"/devservers/{watched.pk}/",
                    "#devserver-panel [data-testid=status]",
                    watched.pk,
                    options.changes,
                    "detail",
                ),
                measure_page(
                    admin_page,
                    "/devservers/review/",
                    f"#review-row-{watched.pk} [data-testid=status]",
                    watched.pk,
                    options.changes,
                    "review",
                ),
            ]
            print_latencies(pages, f"DB → DOM, {options.changes} changes per page, one row among few")

            costs, by_size = [], []
            shown = 1
            for size in sizes:
                _fill(member, account, team, size - shown, prefix=f"size{size}")
                shown = size
                # The watched row must be on the list's first page: the newest row.
                row = _watched_row(member, account, team, f"watched-{size}")
                costs.append(
                    measure_render(User.objects.get(pk=member.pk), row.pk, DevServer.objects.count())
                )
                by_size.append(
                    measure_page(
                        member_page,
                        "/devservers/",
                        f"#devserver-{row.pk} [data-testid=status]",
                        row.pk,
                        options.changes,
                        f"list, {DevServer.objects.count():,} rows",
                    )
                )
            browser.close()
        print_render_costs(costs)
        print_latencies(by_size, "DB → DOM on the list by the rows the user sees")

        port = int(url.rsplit(":", 1)[1])
        newest = DevServer.objects.filter(owner=member).order_by("-id").first()
        every_session = _stream_sessions(member, team, max(options.stream_users))
        held = []
        idle_threads = _process_memory(server.pid)[1]
        for number, users in enumerate(options.stream_users):
            # The last run's streams are closed: their threads gone, so this run's memory is its own.
            harness.wait_until(lambda: _process_memory(server.pid)[1] <= idle_threads, timeout=60)

            def change(status: str = ("STOPPED", "RUNNING")[number % 2]) -> None:
                history.set_status(DevServer.objects.get(pk=newest.pk), status)

            held.append(
                asyncio.run(_streams(port, every_session[:users], options.streams, server.pid, change))
            )
        harness.print_table(
            list(held[0]), [list(row.values()) for row in held], title="Streams held by one uvicorn process"
        )

        for item in [*pages, *by_size]:
            if item.missed:
                broken.append(
                    f"{item.label}: {item.missed} changes never showed within {SHOW_TIMEOUT_S:.0f} s"
                )
            if item.polls:
                broken.append(f"{item.label}: the page polled {item.polls} times while its stream was live")
        if len({tuple(sorted(cost.queries.items())) for cost in costs}) > 1:
            broken.append(f"a change's queries differ between sizes: {[cost.queries for cost in costs]}")
    return harness.report_invariants(broken)


if __name__ == "__main__":
    sys.exit(main())
