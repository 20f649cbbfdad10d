"""Schedules run against the emulator with a fake clock: each beat is `run_due_schedules(now=...)`,
and each stop and delete goes through the lifecycle path to a real worker and the emulator."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from devservers import live
from devservers.models import AuditEntry, DevServer, TeamPolicy
from devservers.schedules.clock import delete_due_at, next_daily_stop
from devservers.schedules.runner import ScheduleRun
from tests.fixtures.dashboard import logged_in, wait_for_status

from .schedules_world import hours, run_at, running_server, schedule_entries, started_at, wait_for_answer

pytestmark = pytest.mark.django_db(transaction=True)

MINUTE = datetime.timedelta(minutes=1)
STOP_CALL = "PUT /v1/{project_id}/dev-servers/{id}/stop"


def test_a_server_set_to_stop_after_1_hour_is_stopped_by_the_schedule(
    team, owner, teammate, account, emulator, celery_worker
):
    devserver = running_server(owner, account, emulator, "one-hour", team=team, stop_after_hours=1)
    start = started_at(devserver)
    token = live.view_token(user_id=owner.pk, scopes=[live.devserver_scope(devserver.pk)])

    assert run_at(start + hours(1) - MINUTE) == ScheduleRun()
    assert DevServer.objects.get(pk=devserver.pk).status == "RUNNING"
    assert run_at(start + hours(1) + MINUTE).stopped == ["one-hour"]

    wait_for_status(devserver, {"STOPPED"})
    entry = AuditEntry.objects.get(devserver=devserver, action="stop", outcome="ok")
    assert (entry.actor, entry.actor_label, entry.actor_name) == (None, "schedule", "schedule")
    assert schedule_entries(devserver) == [("stop", "requested"), ("stop", "ok")]
    assert devserver.events.filter(status_to="STOPPING", message="Stop asked by schedule.").exists()
    assert not live.token_is_current(user_id=owner.pk, token=token)  # open pages were told
    assert emulator.counters()[STOP_CALL] == 1
    trail = logged_in(teammate).get(reverse("devservers:audit"), {"action": "stop"}).content.decode()
    assert trail.count("<td>schedule</td>") == 2  # asked, and the cloud's answer
    # The next beat reads the worker's answer; a stopped server is not stopped again.
    assert run_at(start + hours(2)) == ScheduleRun()
    assert DevServer.objects.get(pk=devserver.pk).schedule_claimed_at is None
    assert emulator.counters()[STOP_CALL] == 1


def test_a_daily_stop_stops_at_the_time_in_the_owners_time_zone(owner, account, emulator, celery_worker):
    devserver = running_server(
        owner,
        account,
        emulator,
        "evening",
        daily_stop_time=datetime.time(20, 0),
        schedule_time_zone="Asia/Shanghai",
    )
    due = next_daily_stop(started_at(devserver), datetime.time(20, 0), zoneinfo.ZoneInfo("Asia/Shanghai"))
    assert due.astimezone(zoneinfo.ZoneInfo("Asia/Shanghai")).time() == datetime.time(20, 0)

    assert run_at(due - MINUTE).stopped == []
    assert run_at(due + MINUTE).stopped == ["evening"]

    wait_for_status(devserver, {"STOPPED"})


def test_the_lifetime_warns_at_24_hours_and_1_hour_then_stops_and_deletes(
    team, owner, teammate, account, emulator, celery_worker
):
    devserver = running_server(owner, account, emulator, "short-lived", team=team, lifetime_days=1)
    deadline = delete_due_at(devserver)

    assert run_at(deadline - hours(25)) == ScheduleRun()
    assert run_at(deadline - hours(23)).warned == ["short-lived"]
    assert run_at(deadline - hours(22)) == ScheduleRun()  # warned once
    assert run_at(deadline - hours(0.5)).warned == ["short-lived"]
    notes = list(devserver.events.filter(kind="note").values_list("message", flat=True))
    assert [note.split(":")[0] for note in notes] == [
        "Reaches its maximum lifetime in 24 hours",
        "Reaches its maximum lifetime in 1 hour",
    ]
    # Both pages say so: the owner's detail page, the admin's review page.
    detail = logged_in(owner).get(reverse("devservers:detail", args=[devserver.pk])).content.decode()
    assert 'data-testid="lifetime-warning"' in detail and "maximum lifetime of 1 day." in detail
    review = logged_in(teammate).get(reverse("devservers:review")).content.decode()
    assert "short-lived</a> (alice) reaches its maximum lifetime" in review.split('id="review-alerts"')[1]

    assert run_at(deadline + MINUTE).stopped == ["short-lived"]  # a running server is stopped first
    wait_for_status(devserver, {"STOPPED"})
    assert run_at(deadline + 2 * MINUTE).deleted == ["short-lived"]
    wait_for_status(devserver, {"DELETED"})

    assert schedule_entries(devserver) == [
        ("lifetime_warning", "24h"),
        ("lifetime_warning", "1h"),
        ("stop", "requested"),
        ("stop", "ok"),
        ("delete", "requested"),
        ("delete", "ok"),
    ]


def test_the_delete_waits_until_the_last_warning_was_given(owner, account, emulator, celery_worker):
    devserver = running_server(owner, account, emulator, "unwarned", lifetime_days=1)
    deadline = delete_due_at(devserver)

    late = run_at(deadline + hours(2))  # no beat ran before the time was up

    assert (late.warned, late.stopped, late.deleted) == (["unwarned"], [], [])
    assert run_at(deadline + hours(2) + MINUTE).stopped == ["unwarned"]
    wait_for_status(devserver, {"STOPPED"})


def test_an_extended_lifetime_is_not_ended_at_the_old_time(team, owner, account, emulator):
    TeamPolicy.objects.filter(team=team).update(max_lifetime_days=3, schedules_for_accelerators_only=False)
    devserver = running_server(owner, account, emulator, "extended", team=team, lifetime_days=1)
    deadline = delete_due_at(devserver)
    assert run_at(deadline - hours(0.5)).warned == ["extended"]

    client = logged_in(owner)
    client.post(reverse("devservers:extend-lifetime", args=[devserver.pk]), {"days": "1"})
    refused = client.post(
        reverse("devservers:extend-lifetime", args=[devserver.pk]), {"days": "2"}, follow=True
    )

    devserver.refresh_from_db()
    assert (devserver.lifetime_days, devserver.lifetime_warned_hours) == (2, None)
    assert "Its lifetime may be at most 3 days: at most 1 more day." in refused.content.decode()
    later = run_at(deadline + MINUTE)
    assert (later.stopped, later.deleted, later.warned) == ([], [], ["extended"])  # a new 24 h warning
    assert DevServer.objects.get(pk=devserver.pk).status == "RUNNING"


def test_a_stop_the_cloud_refuses_is_listed_as_schedule_failed(
    team, owner, teammate, account, emulator, celery_worker
):
    devserver = running_server(owner, account, emulator, "stubborn", team=team, stop_after_hours=1)
    start = started_at(devserver)
    emulator.force_status(devserver.cloud_id, "ERROR")  # behind the dashboard's back: stop is refused

    assert run_at(start + hours(2)).stopped == ["stubborn"]
    assert wait_for_answer(devserver, "stop") == "permanent"
    assert run_at(start + hours(2)).failed == ["stubborn"]

    devserver.refresh_from_db()
    assert devserver.schedule_error.startswith("ModelArts.6303: ")
    review = logged_in(teammate).get(reverse("devservers:review")).content.decode()
    listed = review.split('data-alert="schedule-failed"')[1].split("</li>")[0]
    assert "stubborn</a>: schedule failed — ModelArts.6303" in listed
    detail = logged_in(owner).get(reverse("devservers:detail", args=[devserver.pk])).content.decode()
    assert 'data-testid="schedule-failed"' in detail
    listed = logged_in(owner).get(reverse("devservers:list")).content.decode()
    assert 'data-testid="schedule-failed-badge">schedule failed</span>' in listed
    # Not asked again at every beat.
    assert run_at(start + hours(3)) == ScheduleRun()
    assert emulator.counters()[STOP_CALL] == 1
    # Saving the schedule again is how the owner says "try again".
    logged_in(owner).post(
        reverse("devservers:schedule", args=[devserver.pk]),
        {"stop_after_hours": "1", "schedule_time_zone": "UTC"},
    )
    assert DevServer.objects.get(pk=devserver.pk).schedule_error == ""
