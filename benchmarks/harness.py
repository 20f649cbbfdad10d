"""What every benchmark starts for itself: a throw-away PostgreSQL database, a private redis-server
on a free port (never the machine's shared one), Django, the emulator as a real process and a real
Celery worker process, plus figures and tables.

Nothing here is imported by the dashboard; the benchmarks lean on the tests' emulator helpers.
"""

from __future__ import annotations

import math
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import redis
from celery import Celery

PROJECT_ROOT = Path(__file__).resolve().parents[1]
POSTGRES_SERVER_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
# Set it to use a Redis of your own instead of a private redis-server.
SHARED_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "")
REDIS_START_TIMEOUT_SECONDS = 10.0
WORKER_START_TIMEOUT_SECONDS = 30.0
WORKER_STOP_TIMEOUT_SECONDS = 20.0


# Database, Redis and Django ---------------------------------------------------------------------------


def _admin_connection() -> psycopg.Connection:
    return psycopg.connect(f"{POSTGRES_SERVER_URL}/postgres", autocommit=True)


def _create_database(name: str) -> None:
    with _admin_connection() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    with _admin_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis() -> None:
    redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of the benchmark's own, on a free loopback port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_until(self._answers, timeout=REDIS_START_TIMEOUT_SECONDS, interval=0.05):
            raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)

    def restart(self, *, down_seconds: float) -> None:
        """Down for a while, then back empty: what a Redis restart without persistence does."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping())
        except redis.RedisError:
            return False


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def django_on_throwaway_database(redis_server: PrivateRedis | None = None) -> Iterator[dict[str, str]]:
    """Create bench_<random>, point Django at it and at a private Redis (the given one, or one of
    its own), migrate; yield the environment subprocesses need."""
    with ExitStack() as stack:
        redis_url = (
            redis_server.url
            if redis_server
            else (SHARED_REDIS_URL or stack.enter_context(private_redis()).url)
        )
        yield stack.enter_context(_django(redis_url))


@contextmanager
def _django(redis_url: str) -> Iterator[dict[str, str]]:
    database_name = f"bench_{secrets.token_hex(4)}"
    environment = {
        "DATABASE_URL": f"{POSTGRES_SERVER_URL}/{database_name}",
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "LOG_LEVEL": "WARNING",
    }
    _create_database(database_name)
    try:
        os.environ.update(environment)
        flush_redis()
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        yield environment
    finally:
        from django.db import connections

        connections.close_all()
        _drop_database(database_name)
        flush_redis()


# Processes ---------------------------------------------------------------------------------------------


@contextmanager
def scratch_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        yield Path(folder)


@contextmanager
def emulator(folder: Path, *, extra_args: Sequence[str] | None = None) -> Iterator[object]:
    """The emulator as a real process with a fast lifecycle; yields its control handle."""
    from tests.fixtures.emulator import FAST_LIFECYCLE_ARGS, handle_for, start_emulator

    running = start_emulator(
        store_path=folder / "emulator.sqlite3",
        output_path=folder / "emulator.log",
        extra_args=FAST_LIFECYCLE_ARGS if extra_args is None else extra_args,
    )
    try:
        yield handle_for(running.base_url)
    finally:
        running.stop()


def celery_app_for(redis_server: PrivateRedis) -> Celery:
    """The dashboard's Celery settings with the private Redis as the broker: a process whose Django
    points at another Redis (a test's) sends and pings through it."""
    app = Celery("dashboard", broker=redis_server.url, set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    return app


def _default_app() -> Celery:
    from dashboard.celery import app

    return app


def _worker_answers(app: Celery) -> bool:
    return bool(app.control.ping(timeout=0.5))


def worker_queues() -> tuple[str, ...]:
    """Every queue a worker must consume (dashboard/settings.py routes each kind of task to its own)."""
    from django.conf import settings

    return tuple(settings.DEVSERVER_WORKER_QUEUES)


@contextmanager
def celery_worker(
    environment: dict[str, str], log_path: Path, *, concurrency: int = 4, app: Celery | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery -A dashboard worker` process (thread pool) on the environment's broker, stopped
    warm at the end; `app` is this process's way to that broker (Django's own by default)."""
    command = [
        sys.executable, "-m", "celery", "-A", "dashboard", "worker", "--pool", "threads",
        "--concurrency", str(concurrency), "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
        "--queues", ",".join(worker_queues()),
        "--hostname", f"bench-{secrets.token_hex(3)}@%h",
    ]  # fmt: skip
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, **environment},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + WORKER_START_TIMEOUT_SECONDS
        while not _worker_answers(app or _default_app()):
            if process.poll() is not None or time.monotonic() > deadline:
                log_tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"the Celery worker did not start; the end of its log:\n{log_tail}")
        yield process
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=WORKER_STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=WORKER_STOP_TIMEOUT_SECONDS)


# Requests -----------------------------------------------------------------------------------------------


def queue_requests(
    owner: object, account: object, *, prefix: str, count: int, app: Celery | None = None
) -> list:
    """`count` queued rows on the account, each handed to the worker as the request service would."""
    from devservers import tasks
    from tests.fixtures.world import make_devserver

    rows = [make_devserver(owner, account, name=f"{prefix}-{index}", status="QUEUED") for index in range(count)]
    for row in rows:
        (app or _default_app()).send_task(tasks.submit_devserver.name, (row.pk,))
    return rows


# Waiting and figures -------------------------------------------------------------------------------------


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def seconds(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.2f} s"


def milliseconds(value_seconds: float) -> str:
    return "-" if math.isnan(value_seconds) else f"{value_seconds * 1000:.2f} ms"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, title: str = "") -> None:
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [
        max(len(str(header)), *(len(row[index]) for row in cells)) for index, header in enumerate(headers)
    ]
    if title:
        print(f"\n{title}")
    print("  ".join(str(header).ljust(width) for header, width in zip(headers, widths, strict=True)))
    print("  ".join("-" * width for width in widths))
    for row in cells:
        print(
            "  ".join(
                cell.ljust(width) if index == 0 else cell.rjust(width)
                for index, (cell, width) in enumerate(zip(row, widths, strict=True))
            )
        )


def _code_version() -> str:
    def git(*arguments: str) -> str:
        completed = subprocess.run(["git", *arguments], cwd=PROJECT_ROOT, capture_output=True, text=True)
        return completed.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return (
        f"{commit}{' + uncommitted changes' if git('status', '--porcelain', '--untracked-files=no') else ''}"
    )


def print_context(title: str) -> None:
    """What the figures depend on: the machine's cores and load, and the code measured."""
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"{title}\n{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load average {load}, code {_code_version()}"
    )


def report_invariants(broken: list[str]) -> int:
    """Print what broke (if anything) and give the exit status."""
    if not broken:
        print("\nInvariants: all hold.")
        return 0
    print("\nINVARIANTS BROKEN:")
    for line in broken:
        print(f"  - {line}")
    return 1
