"""Schedules without a cloud: when a stop or delete is due, the schedule on the request form and
the detail page within the team's defaults and maxima, extending a lifetime, and beat's entry."""

import datetime
import zoneinfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dashboard.celery import app as celery_app
from devservers.instances.claims import request_action
from devservers.models import AuditEntry, DevServer, TeamPolicy
from devservers.schedules import clock
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id, make_devserver

from .costs_world import with_history
from .forms_data import valid_request

UTC = datetime.UTC


def utc(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 6, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "at", "zone", "expected"),
    [
        (utc(1, 10), datetime.time(20, 0), "Asia/Shanghai", utc(1, 12)),  # 20:00 in Shanghai is 12:00 UTC
        (utc(1, 12), datetime.time(20, 0), "Asia/Shanghai", utc(2, 12)),  # just passed: tomorrow
        (utc(1, 13), datetime.time(20, 0), "America/New_York", utc(2, 0)),  # EDT, UTC-4
        (utc(1, 23, 59), datetime.time(0, 0), "UTC", utc(2, 0)),
        # Europe/Berlin leaves summer time on 2026-10-25: 18:00 local is 16:00 UTC before, 17:00 after.
        (datetime.datetime(2026, 10, 24, 17, tzinfo=UTC), datetime.time(18, 0), "Europe/Berlin",
         datetime.datetime(2026, 10, 25, 17, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_the_daily_stop_is_the_next_time_the_owners_clock_shows_it(after, at, zone, expected):
    assert clock.next_daily_stop(after, at, zoneinfo.ZoneInfo(zone)) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "set_at", "since", "expected"),
    [
        ({"stop_after_hours": 3}, None, utc(1, 9), utc(1, 12)),
        ({"stop_after_hours": 3}, utc(1, 10), utc(1, 9), utc(1, 13)),  # set later: counted from then
        ({"daily_stop_time": datetime.time(20, 0), "schedule_time_zone": "UTC"}, None, utc(1, 9), utc(1, 20)),
        # both: whichever comes first
        ({"stop_after_hours": 14, "daily_stop_time": datetime.time(20, 0), "schedule_time_zone": "UTC"}, None, utc(1, 9), utc(1, 20)),
        ({"stop_after_hours": 2, "daily_stop_time": datetime.time(20, 0), "schedule_time_zone": "UTC"}, None, utc(1, 9), utc(1, 11)),
        ({}, None, utc(1, 9), None),
    ],
)  # fmt: skip
def test_a_stop_is_due_from_the_runs_start(owner, account, fields, set_at, since, expected):
    row = make_devserver(owner, account, created_at=utc(1, 0), schedule_set_at=set_at, **fields)

    assert clock.stop_due_at(row, since=since) == expected


@pytest.mark.django_db
def test_a_reboot_or_a_refused_stop_does_not_start_a_new_run(owner, account):
    start = utc(1, 8)
    row = with_history(
        make_devserver(owner, account),
        start,
        [(0, "CREATING", "RUNNING"), (1, "RUNNING", "REBOOTING"), (1.1, "REBOOTING", "RUNNING"),
         (2, "RUNNING", "STOPPING"), (2.1, "STOPPING", "RUNNING")],
    )  # fmt: skip

    assert clock.running_since(row) == start


# The schedule on the request form --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_request_form_stores_the_schedule_on_every_row(team, owner, account):
    logged_in(owner).post(
        reverse("devservers:create"),
        valid_request(
            name="timed", count=2, stop_after_hours="8", daily_stop_time="19:30",
            schedule_time_zone="Europe/Berlin", lifetime_days="3",
        ),
    )  # fmt: skip

    rows = DevServer.objects.filter(name__startswith="timed-")
    assert rows.count() == 2
    assert {
        (row.stop_after_hours, row.daily_stop_time, row.schedule_time_zone, row.lifetime_days) for row in rows
    } == {(8, datetime.time(19, 30), "Europe/Berlin", 3)}


@pytest.mark.django_db
def test_gpu_servers_take_the_teams_defaults_and_cpu_servers_do_not(team, owner, account):
    TeamPolicy.objects.filter(team=team).update(
        default_daily_stop_time=datetime.time(20, 0),
        default_lifetime_days=14,
        schedules_for_accelerators_only=True,
    )
    client = logged_in(owner)

    page = client.get(reverse("devservers:create")).content.decode()
    client.post(
        reverse("devservers:create"),
        valid_request(name="gpu", flavor=GPU_FLAVOR, image_id=gpu_image_id(account)),
    )
    client.post(reverse("devservers:create"), valid_request(name="cpu"))

    assert "For GPU/NPU servers your team says: stop daily at 20:00 unless you choose" in page
    gpu, cpu = DevServer.objects.get(name="gpu"), DevServer.objects.get(name="cpu")
    assert (gpu.daily_stop_time, gpu.lifetime_days) == (datetime.time(20, 0), 14)
    assert (cpu.daily_stop_time, cpu.lifetime_days) == (None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asked", "error"),
    [
        ({"stop_after_hours": "12"}, "Your team stops servers after at most 8 hours."),
        ({"stop_after_hours": ""}, "Your team stops servers after at most 8 hours; say when."),
        ({"stop_after_hours": "4", "lifetime_days": "40"}, "Your team allows a lifetime of at most 30 days."),
    ],
)
def test_the_teams_maxima_bound_the_request(team, owner, account, asked, error):
    TeamPolicy.objects.filter(team=team).update(
        max_stop_after_hours=8,
        max_lifetime_days=30,
        default_lifetime_days=7,
        schedules_for_accelerators_only=False,
    )

    page = (
        logged_in(owner)
        .post(reverse("devservers:create"), valid_request(name="bounded", **asked))
        .content.decode()
    )

    assert not DevServer.objects.filter(name="bounded").exists()
    assert error in page


@pytest.mark.django_db
def test_the_time_zone_defaults_to_the_one_the_owner_chose_last(team, owner, account):
    make_devserver(owner, account, name="earlier", schedule_time_zone="Asia/Tokyo")

    page = logged_in(owner).get(reverse("devservers:create")).content.decode()

    assert '<option value="Asia/Tokyo" selected>' in page


# The schedule on the detail page ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_owner_changes_the_schedule_on_the_detail_page(team, owner, account):
    row = make_devserver(
        owner, account, team=team, name="later", cloud_id="c-1", schedule_error="ModelArts.6303: no"
    )
    client = logged_in(owner)

    page = client.get(reverse("devservers:detail", args=[row.pk])).content.decode()
    response = client.post(
        reverse("devservers:schedule", args=[row.pk]),
        {
            "stop_after_hours": "6",
            "daily_stop_time": "21:00",
            "schedule_time_zone": "Asia/Shanghai",
            "lifetime_days": "",
        },
        follow=True,
    )

    assert f'action="/devservers/{row.pk}/schedule/"' in page
    row.refresh_from_db()
    assert (row.stop_after_hours, row.daily_stop_time, row.schedule_time_zone) == (
        6,
        datetime.time(21),
        "Asia/Shanghai",
    )
    assert row.schedule_set_at is not None and row.schedule_error == ""
    entry = AuditEntry.objects.get(devserver=row, action="schedule")
    assert (entry.actor, entry.detail) == (owner, "stop after 6 h, stop daily at 21:00 Asia/Shanghai")
    assert "later&#x27;s schedule: stop after 6 h" in response.content.decode()


@pytest.mark.django_db
def test_a_lifetime_that_would_end_within_a_day_is_refused(team, owner, account):
    row = make_devserver(
        owner, account, team=team, cloud_id="c-1", running_at=timezone.now() - datetime.timedelta(days=5)
    )

    page = (
        logged_in(owner)
        .post(
            reverse("devservers:schedule", args=[row.pk]),
            {"lifetime_days": "5", "schedule_time_zone": "UTC"},
            follow=True,
        )
        .content.decode()
    )

    assert DevServer.objects.get(pk=row.pk).lifetime_days is None
    assert "The schedule was not changed. Delete after (days): That lifetime would end" in page


@pytest.mark.django_db
def test_only_those_who_may_act_change_a_schedule(team, owner, teammate, outsider, account):
    row = make_devserver(teammate, account, team=team, cloud_id="c-1", stop_after_hours=2)
    url = reverse("devservers:schedule", args=[row.pk])

    assert logged_in(outsider).post(url, {"stop_after_hours": "9"}).status_code == 404
    assert logged_in(owner).post(url, {"stop_after_hours": "9"}).status_code == 403  # a member, not its owner
    assert (
        logged_in(owner).post(reverse("devservers:extend-lifetime", args=[row.pk]), {"days": "1"}).status_code
        == 403
    )
    assert (
        "schedule-form"
        not in logged_in(owner).get(reverse("devservers:detail", args=[row.pk])).content.decode()
    )
    assert DevServer.objects.get(pk=row.pk).stop_after_hours == 2


@pytest.mark.django_db
def test_extend_is_bounded_by_the_teams_maximum_lifetime(team, owner, account):
    TeamPolicy.objects.filter(team=team).update(max_lifetime_days=5)
    row = make_devserver(
        owner, account, team=team, cloud_id="c-1", flavor=GPU_FLAVOR, accelerator_count=1,
        lifetime_days=2, lifetime_warned_hours=24,
    )  # fmt: skip
    client = logged_in(owner)
    url = reverse("devservers:extend-lifetime", args=[row.pk])

    client.post(url, {"days": "2"})
    too_far = client.post(url, {"days": "2"}, follow=True).content.decode()
    nonsense = client.post(url, {"days": "-1"}, follow=True).content.decode()
    client.post(url, {"days": "1"})
    page = client.get(reverse("devservers:detail", args=[row.pk])).content.decode()

    row.refresh_from_db()
    assert (row.lifetime_days, row.lifetime_warned_hours) == (5, None)
    assert "Its lifetime may be at most 5 days: at most 1 more day." in too_far
    assert "Its lifetime may be at most 5 days" in nonsense
    assert "Its lifetime is at your team's maximum." in page
    extend_form = page.split(f'id="extend-{row.pk}"')[1].split("</form>")[0]
    assert "disabled" in extend_form
    assert list(
        AuditEntry.objects.filter(devserver=row, action="extend_lifetime").values_list(
            "actor__username", flat=True
        )
    ) == ["alice", "alice"]


@pytest.mark.django_db
def test_the_detail_page_shows_the_next_stop_and_the_delete(owner, account):
    running = timezone.now() - datetime.timedelta(hours=1)
    row = make_devserver(
        owner, account, cloud_id="c-1", stop_after_hours=5, lifetime_days=10, running_at=running
    )
    with_history(row, running, [(0, "CREATING", "RUNNING")])

    page = logged_in(owner).get(reverse("devservers:detail", args=[row.pk])).content.decode()

    next_stop = page.split('data-testid="next-stop"><time datetime="')[1].split('"')[0]
    delete_at = page.split('data-testid="delete-at"><time datetime="')[1].split('"')[0]
    assert datetime.datetime.fromisoformat(next_stop) == running + datetime.timedelta(hours=5)
    assert datetime.datetime.fromisoformat(delete_at) == running + datetime.timedelta(days=10)
    assert 'data-testid="lifetime-warning"' not in page


def test_beat_runs_the_schedules():
    entry = settings.CELERY_BEAT_SCHEDULE["run-schedules"]
    celery_app.loader.import_default_modules()

    assert entry["task"] == "devservers.schedules.tasks.run_schedules"
    assert entry["task"] in celery_app.tasks
    assert entry["schedule"] <= datetime.timedelta(minutes=1)


@pytest.mark.django_db
def test_an_action_with_no_user_must_say_who_asks(owner, account):
    row = make_devserver(owner, account, cloud_id="c-1")

    with pytest.raises(ValueError, match="actor_label"):
        request_action(actor=None, devserver=row, action_name="stop")

    assert DevServer.objects.get(pk=row.pk).status == "RUNNING"
