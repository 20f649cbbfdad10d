"""The demo's database is SQLite (the README's run command): its pages must work there too, where
PostgreSQL's aggregates (percentile_cont, the status tally's triggers, the cost SQL) do not exist.

The pages are read in a child process set up for SQLite, since this one is set up for PostgreSQL."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PAGES_SCRIPT = r"""
import datetime, json, django
django.setup()
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from devservers.models import DevServer, Team
from tests.fixtures.world import make_devserver

call_command("migrate", verbosity=0)
call_command("seed_demo", "--emulator-url", "http://127.0.0.1:9", stdout=open("/dev/null", "w"))
team = Team.objects.get(name="ML Platform")
alice = team.members.get(username="alice")
account = team.accounts.get()
for index, (status, minutes) in enumerate([("RUNNING", 90), ("CREATING", 1), ("QUEUED", 40), ("STOPPED", 5)]):
    row = make_devserver(alice, account, team=team, name=f"demo-{index}", status=status, cloud_id=f"c{index}")
    for earlier in range(4):  # enough history for the usual times
        row.events.create(kind="status", status_to=status, created_at=timezone.now() - datetime.timedelta(minutes=minutes + earlier))
changing = DevServer.objects.get(name="demo-1")
pages = {}
for who, path in [
    ("alice", "/devservers/"), ("alice", "/devservers/?scope=mine&status=changing&q=demo"),
    ("alice", "/devservers/rows/"), ("alice", f"/devservers/{changing.pk}/"),
    ("alice", f"/devservers/{changing.pk}/panel/"), ("alice", "/devservers/new/"),
    ("alice", "/devservers/teams/"), ("alice", "/devservers/notifications/"),
    ("alice", "/devservers/settings/api-tokens/"), ("alice", "/api/v1/instances"),
    ("bob", "/devservers/review/"), ("bob", "/devservers/review/?sort=owner&status=RUNNING&q=demo"),
    ("bob", "/devservers/review/export.csv"), ("bob", "/devservers/audit/"),
    ("bob", f"/devservers/teams/{team.pk}/"), ("bob", "/api/v1/approvals"), ("bob", "/api/v1/audit"),
    ("admin", "/devservers/"), ("admin", "/devservers/review/"),
]:
    client = Client(HTTP_HOST="localhost")
    client.force_login(team.members.model.objects.get(username=who))
    response = client.get(path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    pages[f"{who} {path}"] = [response.status_code, body.decode()]
# The owner sort's copy of each owner's name, kept by SQLite's triggers (migration 0020).
from django.contrib.auth.models import User
dora = User.objects.create_user("dora")
make_devserver(dora, account, team=team, name="demo-dora", status="STOPPED", cloud_id="c10")
dora.username = "dora-renamed"
dora.save()
given = make_devserver(None, account, team=team, name="demo-given", status="STOPPED", cloud_id="c11")
DevServer.objects.filter(pk=given.pk).update(owner=team.members.get(username="bob"))
names = ["demo-0", "demo-dora", "demo-given"]
print(json.dumps(dict(DevServer.objects.filter(name__in=names).values_list("name", "owner_name"))))
print(json.dumps(pages))
"""


def test_the_demo_pages_answer_on_sqlite(tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DJANGO_DEBUG": "1",
        "LOG_LEVEL": "WARNING",
    }
    finished = subprocess.run(
        [sys.executable, "-c", PAGES_SCRIPT], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    *_, owner_names, pages = (json.loads(line) for line in finished.stdout.strip().splitlines()[-2:])

    assert {page: status for page, (status, _body) in pages.items() if status != 200} == {}
    listed = pages["alice /devservers/"][1]
    assert "<strong>4</strong> in all" in listed and "<strong>1</strong> running" in listed
    assert "<strong>2</strong> changing" in listed
    assert "Usually takes" in listed and "Taking longer than usual" in listed
    assert "demo-3" in pages["bob /devservers/review/export.csv"][1]
    assert owner_names == {"demo-0": "alice", "demo-dora": "dora-renamed", "demo-given": "bob"}
