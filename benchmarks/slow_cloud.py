"""Pages while the cloud is slow: the emulator holds every answer back for 30 s, and each page is
asked for many times. Prints p50/p95/max per page; exits 1 if a page called the cloud at all.

    .venv/bin/python -m benchmarks.slow_cloud [--requests 50] [--latency-ms 30000]
"""

from __future__ import annotations

import argparse
import sys
import time

from benchmarks import harness

VPC_ID = "05982b48-a70f-43a1-a2b0-1fe36a236172"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--latency-ms", type=int, default=30_000)
    options = parser.parse_args(argv)
    harness.print_context(f"Benchmark: pages while every cloud answer takes {options.latency_ms / 1000:g} s")
    with harness.django_on_throwaway_database(), harness.scratch_folder() as folder:
        from django.contrib.auth.models import User
        from django.test import Client
        from django.urls import reverse

        from devservers import catalog
        from devservers.models import Membership, Team
        from tests.fixtures.dashboard import emulator_account
        from tests.fixtures.world import make_devserver

        with harness.emulator(folder) as handle:
            owner = User.objects.create_user("slow-owner")
            account = emulator_account(handle, name="Slow emulator")
            team = Team.objects.create(name="slow-team")
            team.accounts.add(account)
            Membership.objects.create(team=team, user=owner, role=Membership.Role.ADMIN)
            row = make_devserver(
                owner, account, team=team, name="slow-row", status="RUNNING", cloud_id="slow-1"
            )
            catalog.refresh(account)  # what the worker had cached before the cloud slowed down
            handle.set_faults(latency_ms=options.latency_ms)
            calls_before = sum(handle.counters().values())
            client = Client(SERVER_NAME="localhost")
            client.force_login(owner)
            pages = {
                "list": reverse("devservers:list"),
                "detail": reverse("devservers:detail", args=[row.pk]),
                "create form": reverse("devservers:create"),
                "flavor fragment": reverse("devservers:create-flavors") + "?server_type=ECS&arch=X86",
                "network fragment": reverse("devservers:create-network") + f"?vpc_id={VPC_ID}",
                "review": reverse("devservers:review"),
                "audit": reverse("devservers:audit"),
                "healthz": "/healthz",
            }
            rows = []
            for name, url in pages.items():
                timings = []
                for _ in range(options.requests):
                    started = time.perf_counter()
                    status = client.get(url).status_code
                    timings.append(time.perf_counter() - started)
                rows.append(
                    [
                        name,
                        status,
                        *(harness.milliseconds(harness.percentile(timings, share)) for share in (0.5, 0.95)),
                        harness.milliseconds(max(timings)),
                    ]
                )
            cloud_calls = sum(handle.counters().values()) - calls_before
            handle.set_faults(latency_ms=0)
    harness.print_table(
        ["page", "status", "p50", "p95", "max"],
        rows,
        title=f"{options.requests} requests a page; cloud calls made by pages: {cloud_calls}",
    )
    broken = [f"{name} answered {status}" for name, status, *_ in rows if status != 200]
    if cloud_calls:
        broken.append(f"pages called the cloud {cloud_calls} times")
    return harness.report_invariants(broken)


if __name__ == "__main__":
    sys.exit(main())
