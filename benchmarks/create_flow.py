"""The create flow under the cloud's faults: N requests (count 1 each) through the request service,
a real worker and the emulator, once per fault profile.

Prints per profile how many servers reached RUNNING and how fast (request → RUNNING, from the
rows' events; creates per second from the first request to the last RUNNING), the cloud calls per
create (POST, look-ups and follow), the create POSTs the emulator counted and how it answered,
and servers in the cloud against rows holding a cloud id; then the emulator's calls per endpoint.
`--prefill 10,1000` first buys that many other servers in the account (per profile and size),
to show the create's cost does not grow with the account. Requests and prefilled servers are
spread over the emulator's subnets by their room (about 17,600 addresses). Exits 1 if a server was bought
twice (or bought and not held by a row), or if the clean profile did not bring every server to
RUNNING.

    .venv/bin/python -m benchmarks.create_flow [--servers 30] [--timeout 90] [--profiles clean,throttled]
        [--prefill 0,10,1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks import harness
from benchmarks.account_fill import Network, emulator_args, networks_of, prefill, spread

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from devservers.models import CloudAccount
    from devservers.requesting.spec import DevServerSpec
    from modelarts_client import DevServer as CloudServer
    from tests.fixtures.emulator import EmulatorHandle

CREATE_ROUTE = "POST /v1/{project_id}/dev-servers"
SERVER_ROUTES = (
    CREATE_ROUTE,
    "GET /v1/{project_id}/dev-servers",
    "GET /v1/{project_id}/dev-servers/all",
    "GET /v1/{project_id}/dev-servers/{id}",
)
PROFILES: dict[str, dict[str, Any]] = {
    "clean": {},
    "5xx-20pct": {"error_rate": 0.2},
    "5xx-30pct": {"error_rate": 0.3},
    "dropped-5": {"drop_create_responses": 5},
    # Every create answer lost: each request must be found and adopted, never bought twice.
    "dropped-all": {"drop_create_responses": 10_000},
    "throttle-5rps": {"throttle_rps": 5},
}
NO_FAULTS = {"error_rate": 0.0, "throttle_rps": None, "drop_create_responses": 0, "latency_ms": 0}


@dataclass
class ProfileResult:
    name: str
    requested: int
    prefilled: int
    statuses: Counter[str]
    to_running_seconds: list[float]
    wall_seconds: float
    settled: bool
    calls: dict[str, int]
    answers: dict[str, dict[str, int]]
    cloud_servers: int
    rows_with_cloud_id: int
    refusals: Counter[str]
    creates_per_second: float
    load_average: float
    broken: list[str] = field(default_factory=list)

    @property
    def running(self) -> int:
        return self.statuses.get("RUNNING", 0)

    @property
    def create_answers(self) -> dict[str, int]:
        return self.answers.get(CREATE_ROUTE, {})

    @property
    def label(self) -> str:
        return f"{self.name}, {self.prefilled:,} others" if self.prefilled else self.name

    @property
    def calls_per_create(self) -> str:
        calls = sum(self.calls.get(route, 0) for route in SERVER_ROUTES)
        return f"{calls / self.requested:.2f}" if self.requested else "-"


def _make_account(handle: EmulatorHandle) -> CloudAccount:
    from tests.fixtures.dashboard import emulator_account

    return emulator_account(handle, name="Benchmark emulator")


def _spec(name: str, network: Network) -> DevServerSpec:
    """One server as the form's to_spec() would give it for the seeded catalogue."""
    from devservers.requesting.spec import DevServerSpec
    from tests.dashboard import forms_data

    return DevServerSpec(
        name=name, count=1, accelerator_count=0, server_type="ECS", arch="X86",
        flavor=forms_data.SEED_FLAVOR, image_id=forms_data.SEED_IMAGE_ID,
        image_name="Ubuntu18.04_x86_64_CPU", availability_zone="", vpc_id=network.vpc_id,
        subnet_id=network.subnet_id, security_group_id=network.security_group_id,
        ipv6_enable=False, roce_id="", login_method="password", key_pair_name="", root_volume_type="",
        root_volume_size=None, data_volume_type="", data_volume_size=None, data_volume_count=None,
        charging_mode="POST_PAID", period_type="", period_num=None,
        is_auto_renew=False, is_auto_pay=False, enterprise_project_id="", userdata="",
    )  # fmt: skip


def _request_servers(
    *, owner: User, account: CloudAccount, prefix: str, count: int, networks: list[Network]
) -> list[int]:
    from devservers.requesting import services as requesting
    from tests.dashboard.forms_data import GOOD_PASSWORD

    row_ids = []
    in_turn = spread(networks)
    for index in range(1, count + 1):
        spec = _spec(f"{prefix}-{index:04d}", in_turn[index % len(in_turn)])
        rows = requesting.devserver_request(owner=owner, account=account, spec=spec, admin_pass=GOOD_PASSWORD)
        row_ids.extend(row.pk for row in rows)
    return row_ids


def _all_settled(row_ids: list[int]) -> bool:
    from devservers.models import CHANGING_STATUSES, DevServer

    return not DevServer.objects.filter(pk__in=row_ids, status__in=list(CHANGING_STATUSES)).exists()


def _seconds_to_running(row_ids: list[int]) -> list[float]:
    """Per server: from its REQUESTED event to its first status event into RUNNING."""
    from devservers.models import DevServerEvent

    requested_at: dict[int, datetime] = {}
    running_at: dict[int, datetime] = {}
    events = DevServerEvent.objects.filter(devserver_id__in=row_ids).order_by("created_at", "id")
    for devserver_id, kind, status_to, created_at in events.values_list(
        "devserver_id", "kind", "status_to", "created_at"
    ):
        if kind == DevServerEvent.Kind.REQUESTED:
            requested_at.setdefault(devserver_id, created_at)
        elif kind == DevServerEvent.Kind.STATUS and status_to == "RUNNING":
            running_at.setdefault(devserver_id, created_at)
    return [
        (running_at[row_id] - requested_at[row_id]).total_seconds()
        for row_id in row_ids
        if row_id in running_at and row_id in requested_at
    ]


def _creates_per_second(row_ids: list[int]) -> float:
    """Servers RUNNING per second, from the first request to the last server reaching RUNNING."""
    from django.db.models import Max, Min

    from devservers.models import DevServerEvent

    events = DevServerEvent.objects.filter(devserver_id__in=row_ids)
    first = events.filter(kind=DevServerEvent.Kind.REQUESTED).aggregate(at=Min("created_at"))["at"]
    running = events.filter(kind=DevServerEvent.Kind.STATUS, status_to="RUNNING")
    last = running.aggregate(at=Max("created_at"))["at"]
    if first is None or last is None or last <= first:
        return float("nan")
    return running.values("devserver_id").distinct().count() / (last - first).total_seconds()


def _refusals(row_ids: list[int]) -> Counter[str]:
    """Why rows ended REJECTED: the last call's error code and the message of the status change."""
    from devservers.models import DevServer, DevServerEvent

    rejected = DevServer.objects.filter(pk__in=row_ids, status="REJECTED")
    reasons: Counter[str] = Counter()
    for devserver in rejected:
        event = devserver.events.filter(kind=DevServerEvent.Kind.STATUS, status_to="REJECTED").last()
        reasons[f"{devserver.error_code or '-'}, {event.message if event else ''}"] += 1
    return reasons


def _check_no_duplicate_purchase(
    result: ProfileResult, cloud: list[CloudServer], rows: dict[int, str]
) -> None:
    names = Counter(server.name for server in cloud)
    twice = sorted(name for name, times in names.items() if times > 1)
    if twice:
        result.broken.append(f"{result.label}: names held by two servers in the cloud: {twice}")
    cloud_ids = {server.id for server in cloud}
    row_cloud_ids = set(rows.values())
    if cloud_ids - row_cloud_ids:
        result.broken.append(
            f"{result.label}: {len(cloud_ids - row_cloud_ids)} server(s) in the cloud held by no row (bought, lost)"
        )
    if row_cloud_ids - cloud_ids:
        result.broken.append(f"{result.label}: {len(row_cloud_ids - cloud_ids)} row(s) point at no server")
    committed = result.create_answers.get("200", 0) + result.create_answers.get("dropped", 0)
    if committed != result.rows_with_cloud_id:
        result.broken.append(
            f"{result.label}: {committed} creates committed by the cloud, {result.rows_with_cloud_id} rows hold one"
        )
    if result.name == "clean" and result.running != result.requested:
        result.broken.append(f"clean: only {result.running} of {result.requested} servers reached RUNNING")


def run_profile(
    *,
    name: str,
    faults: dict[str, Any],
    handle: EmulatorHandle,
    account: CloudAccount,
    owner: User,
    environment: dict[str, str],
    servers: int,
    prefilled: int,
    timeout: float,
    folder: Path,
) -> ProfileResult:
    from devservers.cloud import client_for
    from devservers.models import DevServer

    handle.reset()
    client = client_for(account)
    networks = networks_of(client)
    prefill(client, prefilled, networks)
    calls_before, answers_before = handle.counters(), handle.counters_by_status()
    handle.set_faults(**faults)
    harness.flush_redis()
    prefix = f"bench-{name}-{prefilled}"
    with harness.celery_worker(environment, folder / f"worker-{name}-{prefilled}.log"):
        started = time.monotonic()
        row_ids = _request_servers(
            owner=owner, account=account, prefix=prefix, count=servers, networks=networks
        )
        settled = harness.wait_until(lambda: _all_settled(row_ids), timeout=timeout)
        wall_seconds = time.monotonic() - started
        load_average = os.getloadavg()[0]
    # The worker has stopped: nothing more reaches the emulator, so its counters are final.
    calls = _since(handle.counters(), calls_before)
    answers = {
        route: _since(by_status, answers_before.get(route, {}))
        for route, by_status in handle.counters_by_status().items()
    }
    handle.set_faults(**NO_FAULTS)
    cloud = [
        server
        for server in client.iter_dev_servers(all_users=True)
        if server.status != "DELETED" and server.name.startswith(prefix)
    ]
    rows = dict(DevServer.objects.filter(pk__in=row_ids).exclude(cloud_id="").values_list("pk", "cloud_id"))
    result = ProfileResult(
        name=name,
        requested=len(row_ids),
        prefilled=prefilled,
        statuses=Counter(DevServer.objects.filter(pk__in=row_ids).values_list("status", flat=True)),
        to_running_seconds=_seconds_to_running(row_ids),
        wall_seconds=wall_seconds,
        settled=settled,
        calls=calls,
        answers=answers,
        cloud_servers=len(cloud),
        rows_with_cloud_id=len(rows),
        refusals=_refusals(row_ids),
        creates_per_second=_creates_per_second(row_ids),
        load_average=load_average,
    )
    _check_no_duplicate_purchase(result, cloud, rows)
    return result


def _since(now: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    """The emulator's counts since `before`, leaving out what did not change."""
    return {key: count - before.get(key, 0) for key, count in now.items() if count != before.get(key, 0)}


def _answers_text(answers: dict[str, int]) -> str:
    return " ".join(f"{status}:{count}" for status, count in sorted(answers.items())) or "-"


def print_results(results: list[ProfileResult], servers: int) -> None:
    def row(label: str, value_of: Callable[[ProfileResult], object]) -> list[object]:
        return [label, *(value_of(result) for result in results)]

    harness.print_table(
        ["", *(result.label for result in results)],
        [
            row("servers requested", lambda r: r.requested),
            row("reached RUNNING", lambda r: r.running),
            row(
                "other statuses",
                lambda r: (
                    " ".join(f"{s}:{c}" for s, c in sorted(r.statuses.items()) if s != "RUNNING") or "-"
                ),
            ),
            row("settled before timeout", lambda r: "yes" if r.settled else "NO"),
            row("to RUNNING p50", lambda r: harness.seconds(harness.percentile(r.to_running_seconds, 0.5))),
            row("to RUNNING p95", lambda r: harness.seconds(harness.percentile(r.to_running_seconds, 0.95))),
            row("to RUNNING max", lambda r: harness.seconds(max(r.to_running_seconds, default=float("nan")))),
            row("wall time, all settled", lambda r: harness.seconds(r.wall_seconds)),
            row("creates/s, request → RUNNING", lambda r: f"{r.creates_per_second:.2f}"),
            row("cloud calls per create", lambda r: r.calls_per_create),
            row("load average (1 min)", lambda r: f"{r.load_average:.2f}"),
            row("create POSTs sent", lambda r: r.calls.get(CREATE_ROUTE, 0)),
            row("create answers", lambda r: _answers_text(r.create_answers)),
            row("servers in the cloud", lambda r: r.cloud_servers),
            row("rows with a cloud id", lambda r: r.rows_with_cloud_id),
            row("invariants", lambda r: "hold" if not r.broken else "BROKEN, see below"),
        ],
        title=f"Create flow: {servers} requests of one server each, per fault profile",
    )
    routes = sorted({route for result in results for route in result.calls})
    harness.print_table(
        ["emulator calls per endpoint", *(result.label for result in results)],
        [
            [
                route,
                *(
                    f"{result.calls.get(route, 0)} ({_answers_text(result.answers.get(route, {}))})"
                    for result in results
                ),
            ]
            for route in routes
        ]
        + [["total", *(sum(result.calls.values()) for result in results)]],
        title="Emulator calls per endpoint (answers by status)",
    )
    refusals = [
        f"  {result.label}: {times} × {reason}"
        for result in results
        for reason, times in result.refusals.most_common()
    ]
    if refusals:
        print("\nWhy rows ended REJECTED (error code, last status message):")
        print("\n".join(refusals))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--servers", type=int, default=30, help="requests per profile (default 30)")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds a profile may take to settle")
    parser.add_argument(
        "--profiles", default=",".join(PROFILES), help=f"comma-separated: {', '.join(PROFILES)}"
    )
    parser.add_argument(
        "--prefill", default="0", help="comma-separated: other servers in the account first (default 0)"
    )
    options = parser.parse_args(argv)
    prefill_sizes = [int(size) for size in options.prefill.split(",") if size.strip()]
    profile_names = [name.strip() for name in options.profiles.split(",") if name.strip()]
    unknown = [name for name in profile_names if name not in PROFILES]
    if unknown:
        parser.error(f"unknown profiles {unknown}; choose from {list(PROFILES)}")
    harness.print_context("Benchmark: create flow under faults")

    with harness.django_on_throwaway_database() as environment, harness.scratch_folder() as folder:
        from django.contrib.auth.models import User

        quota = max(prefill_sizes) + options.servers
        with harness.emulator(folder, extra_args=emulator_args(folder, quota=quota)) as handle:
            owner = User.objects.create_user("bench-owner")
            account = _make_account(handle)
            results = []
            for prefilled in prefill_sizes:
                for name in profile_names:
                    print(f"profile {name}: {prefilled} others, {options.servers} requests ...", flush=True)
                    results.append(
                        run_profile(
                            name=name,
                            faults=PROFILES[name],
                            handle=handle,
                            account=account,
                            owner=owner,
                            environment=environment,
                            servers=options.servers,
                            prefilled=prefilled,
                            timeout=options.timeout,
                            folder=folder,
                        )
                    )
        print_results(results, options.servers)
        return harness.report_invariants([line for result in results for line in result.broken])


if __name__ == "__main__":
    sys.exit(main())
