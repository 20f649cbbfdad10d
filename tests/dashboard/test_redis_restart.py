"""The Redis-restart case of the fault suite at a small size: a private redis-server (never the
machine's shared one) as the broker of a real `celery worker` process, restarted empty while
requests are in flight; every request ends RUNNING, with one create call and one server each.
Full size: `.venv/bin/python -m benchmarks.redis_restart --servers 20`."""

import pytest

from benchmarks import harness, redis_restart
from tests.fixtures.world import worker_environment

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 6
# Short enough for the test: a row queued before the restart is found lost 3 s after its last move.
LOST_TASK_GRACE_SECONDS = "3"


def test_requests_in_flight_through_a_redis_restart_all_end_running_once(owner, account, emulator, tmp_path):
    with harness.private_redis() as redis_server:
        environment = {
            **worker_environment(),
            "REDIS_URL": redis_server.url,
            "CELERY_BROKER_URL": redis_server.url,
            "DEVSERVER_LOST_TASK_GRACE_SECONDS": LOST_TASK_GRACE_SECONDS,
            "LOG_LEVEL": "WARNING",
        }
        app = harness.celery_app_for(redis_server)
        with harness.celery_worker(environment, tmp_path / "worker.log", concurrency=2, app=app):
            result = redis_restart.run_restart(
                redis_server=redis_server,
                app=app,
                handle=emulator,
                account=account,
                owner=owner,
                servers=REQUESTS,
                down_seconds=1.0,
                timeout=40.0,
                reconcile_every=2.0,
            )

    assert result.broken == [], (result, (tmp_path / "worker.log").read_text()[-3000:])
    assert result.final == {"RUNNING": REQUESTS}
    assert result.create_calls == {"200": REQUESTS} and result.servers_in_cloud == REQUESTS
    assert sum(result.pending_at_restart.values()) == REQUESTS
