"""Start, stop, reboot and delete: offered where the cloud allows them, carried out by a real worker on the emulator."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from devservers import tasks
from devservers.cloud import client_for
from devservers.models import AuditEntry, DevServer, Membership, Team
from devservers.provisioning import follow
from tests.fixtures.dashboard import logged_in, wait_for, wait_for_status
from tests.fixtures.world import make_devserver, running_server

pytestmark = pytest.mark.django_db(transaction=True)


def act(client: Client, devserver: DevServer, action: str, **extra) -> str:
    response = client.post(
        reverse("devservers:action", args=[devserver.pk]), {"action": action, **extra}, follow=True
    )
    return response.content.decode()


def test_it_stops_starts_reboots_and_deletes_through_the_worker(owner, account, emulator, celery_worker):
    devserver = running_server(owner, account, emulator, "lifecycle")
    client = logged_in(owner)

    act(client, devserver, "stop", confirmed="yes")
    assert DevServer.objects.get(pk=devserver.pk).status in {"STOPPING", "STOPPED"}
    wait_for_status(devserver, {"STOPPED"})
    act(client, devserver, "start")
    wait_for_status(devserver, {"RUNNING"})
    act(client, devserver, "reboot", confirmed="yes")
    wait_for_status(devserver, {"REBOOTING", "RUNNING"})
    wait_for_status(devserver, {"RUNNING"})
    act(client, devserver, "stop", confirmed="yes")
    wait_for_status(devserver, {"STOPPED"})

    confirm_page = act(client, devserver, "delete")
    assert "Delete lifecycle?" in confirm_page
    assert DevServer.objects.get(pk=devserver.pk).status == "STOPPED"
    act(client, devserver, "delete", confirmed="yes")
    wait_for_status(devserver, {"DELETED"})

    counters = emulator.counters()
    for path in ("stop", "start", "reboot"):
        assert counters[f"PUT /v1/{{project_id}}/dev-servers/{{id}}/{path}"] >= 1
    assert counters["DELETE /v1/{project_id}/dev-servers/{id}"] == 1
    outcomes = set(AuditEntry.objects.filter(devserver=devserver).values_list("action", "outcome"))
    for action in ("stop", "start", "reboot", "delete"):
        assert (action, "requested") in outcomes and (action, "ok") in outcomes
    assert all(
        AuditEntry.objects.filter(devserver=devserver, outcome="ok").values_list("request_id", flat=True)
    )


def test_a_running_server_deleted_is_stopped_then_deleted_with_one_call_each(
    owner, account, emulator, celery_worker
):
    devserver = running_server(owner, account, emulator, "stop-then-delete")
    client = logged_in(owner)
    assert "It is running: it will be stopped first, then deleted." in act(client, devserver, "delete")

    detail = act(client, devserver, "delete", confirmed="yes")

    assert "Stopping, then deleting" in detail
    assert DevServer.objects.get(pk=devserver.pk).delete_when_stopped
    wait_for_status(devserver, {"DELETED"})
    counters = emulator.counters()
    assert counters["PUT /v1/{project_id}/dev-servers/{id}/stop"] == 1
    assert counters["DELETE /v1/{project_id}/dev-servers/{id}"] == 1
    trail = list(
        AuditEntry.objects.filter(devserver=devserver)
        .order_by("id")
        .values_list("action", "outcome", "actor")
    )
    assert trail[-3:] == [
        ("delete", "requested", owner.pk),
        ("stop", "ok", owner.pk),
        ("delete", "ok", owner.pk),
    ]
    statuses = list(devserver.events.exclude(status_to="").values_list("status_to", flat=True))
    assert statuses[-4:] == ["STOPPING", "STOPPED", "DELETING", "DELETED"]
    assert not DevServer.objects.get(pk=devserver.pk).delete_when_stopped


def test_a_delete_waiting_for_its_stop_survives_a_lost_follow(owner, account, emulator, celery_worker):
    devserver = running_server(owner, account, emulator, "lost-follow")
    # The stop went through, but the worker that followed it was lost: only the row remembers the wish.
    emulator.force_status(devserver.cloud_id, "STOPPED")
    DevServer.objects.filter(pk=devserver.pk).update(
        status="STOPPED", delete_when_stopped=True, delete_asked_by=owner
    )

    tasks.reconcile_account.delay(account.pk)

    wait_for_status(devserver, {"DELETED"})
    assert emulator.counters()["DELETE /v1/{project_id}/dev-servers/{id}"] == 1
    assert AuditEntry.objects.filter(devserver=devserver, action="delete", outcome="ok", actor=owner).exists()


def test_a_stop_that_fails_drops_the_delete_asked(owner, account, emulator, celery_worker):
    devserver = running_server(owner, account, emulator, "stays")
    emulator.force_status(devserver.cloud_id, "STOP_FAILED")
    DevServer.objects.filter(pk=devserver.pk).update(status="STOPPING", delete_when_stopped=True)

    tasks.follow_devserver.delay(devserver.pk)

    wait_for(lambda: not DevServer.objects.get(pk=devserver.pk).delete_when_stopped)
    assert DevServer.objects.get(pk=devserver.pk).status == "STOP_FAILED"
    assert devserver.events.filter(message__contains="the delete asked is not sent").exists()
    assert "DELETE /v1/{project_id}/dev-servers/{id}" not in emulator.counters()


def test_an_action_the_status_forbids_is_refused_without_calling_the_cloud(owner, account, emulator):
    devserver = running_server(owner, account, emulator, "already-up")

    page = act(logged_in(owner), devserver, "start")

    assert "Start is possible when already-up is" in page
    assert DevServer.objects.get(pk=devserver.pk).status == "RUNNING"
    assert "PUT /v1/{project_id}/dev-servers/{id}/start" not in emulator.counters()


def test_the_buttons_show_which_actions_the_status_allows(owner, account, emulator):
    devserver = running_server(owner, account, emulator, "buttons")

    page = logged_in(owner).get(reverse("devservers:detail", args=[devserver.pk])).content.decode()

    def button(action: str) -> str:
        return page.split(f'data-action="{action}"')[0].rsplit("<button", 1)[1]

    assert "disabled" in button("start")
    # Delete is offered while running too: it stops the server first.
    assert all("disabled" not in button(action) for action in ("stop", "reboot", "delete"))


def test_a_cloud_refusal_puts_the_previous_status_back_and_the_follow_finds_the_truth(
    owner, account, emulator, celery_worker
):
    devserver = running_server(owner, account, emulator, "drifted")
    emulator.force_status(devserver.cloud_id, "STOPPED")  # stopped behind the dashboard's back

    act(logged_in(owner), devserver, "stop", confirmed="yes")

    wait_for_status(devserver, {"STOPPED"})
    assert devserver.events.filter(message__contains="The cloud refused to stop").exists()
    assert AuditEntry.objects.filter(devserver=devserver, action="stop", outcome="permanent").exists()


def test_a_snapshot_read_before_the_action_does_not_undo_it(owner, account, emulator):
    devserver = running_server(owner, account, emulator, "no-undo")
    old_snapshot = client_for(account).get_dev_server(devserver.cloud_id)
    DevServer.objects.filter(pk=devserver.pk).update(status="STOPPING")

    assert not follow.apply_snapshot(devserver_id=devserver.pk, server=old_snapshot)
    assert DevServer.objects.get(pk=devserver.pk).status == "STOPPING"


def test_batch_actions_act_on_the_selected_rows_the_user_may_act_on(
    owner, teammate, account, emulator, celery_worker
):
    team = Team.objects.create(name="batchers")
    team.accounts.add(account)
    Membership.objects.create(team=team, user=owner, role=Membership.Role.MEMBER)
    Membership.objects.create(team=team, user=teammate, role=Membership.Role.MEMBER)
    mine = [running_server(owner, account, emulator, f"mine-{index}", team=team) for index in (1, 2)]
    theirs = running_server(teammate, account, emulator, "theirs", team=team)
    client = logged_in(owner)

    response = client.post(
        reverse("devservers:batch-action"),
        {"action": "stop", "confirmed": "yes", "selected": [row.pk for row in [*mine, theirs]]},
        follow=True,
    )

    page = response.content.decode()
    assert "Stop asked for 2: mine-1, mine-2" in page
    assert "You can view theirs but not act on it" in page
    for row in mine:
        wait_for_status(row, {"STOPPED"})
    assert DevServer.objects.get(pk=theirs.pk).status == "RUNNING"


def test_batch_delete_asks_for_confirmation_naming_every_server(owner, account, emulator):
    rows = [running_server(owner, account, emulator, f"doomed-{index}") for index in (1, 2)]

    page = (
        logged_in(owner)
        .post(reverse("devservers:batch-action"), {"action": "delete", "selected": [row.pk for row in rows]})
        .content.decode()
    )

    assert "Delete 2 servers?" in page and "doomed-1" in page and "doomed-2" in page
    assert all(DevServer.objects.get(pk=row.pk).status == "RUNNING" for row in rows)


def test_without_javascript_stop_asks_on_a_page_of_its_own_then_posts_confirmed(owner, account, emulator):
    devserver = running_server(owner, account, emulator, "no-js")
    client = logged_in(owner)
    came_from = reverse("devservers:list") + "?q=no-js"

    asked = client.post(
        reverse("devservers:action", args=[devserver.pk]), {"action": "stop", "next": came_from}
    )

    assert asked.status_code == 302
    assert DevServer.objects.get(pk=devserver.pk).status == "RUNNING"
    page = client.get(asked["Location"])
    assert page.status_code == 200 and page.request["REQUEST_METHOD"] == "GET"
    html = page.content.decode()
    assert "Stop no-js?" in html and "Unsaved work on it will be lost." in html
    assert 'name="csrfmiddlewaretoken"' in html and 'name="confirmed" value="yes"' in html
    assert f'<a class="button" href="{came_from}">Cancel</a>' in html
    form_data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html))
    assert form_data["action"] == "stop" and form_data["next"] == came_from

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(owner)
    refused = strict.post(reverse("devservers:action", args=[devserver.pk]), form_data)
    assert refused.status_code == 403  # the page's form carries its CSRF token; without it, nothing
    done = client.post(reverse("devservers:action", args=[devserver.pk]), form_data)

    assert done.status_code == 302 and done["Location"] == came_from
    assert DevServer.objects.get(pk=devserver.pk).status == "STOPPING"


def test_a_confirmation_page_sends_nowhere_off_site_and_knows_only_its_actions(
    owner, outsider, account, emulator
):
    devserver = running_server(owner, account, emulator, "careful")
    client = logged_in(owner)

    page = client.get(
        reverse("devservers:confirm-action", args=[devserver.pk, "reboot"]), {"next": "//evil.example/"}
    ).content.decode()

    assert "Reboot careful?" in page and 'href="//evil' not in page and 'value="//evil' not in page
    assert f'href="{reverse("devservers:detail", args=[devserver.pk])}">Cancel' in page
    assert client.get(reverse("devservers:confirm-action", args=[devserver.pk, "explode"])).status_code == 404
    other = logged_in(outsider).get(reverse("devservers:confirm-action", args=[devserver.pk, "stop"]))
    assert other.status_code == 404


def test_without_javascript_a_batch_reboot_asks_first_naming_every_server(owner, account):
    rows = [make_devserver(owner, account, name=f"pair-{index}", cloud_id=f"c-{index}") for index in (1, 2)]

    page = (
        logged_in(owner)
        .post(reverse("devservers:batch-action"), {"action": "reboot", "selected": [row.pk for row in rows]})
        .content.decode()
    )

    assert "Reboot 2 servers?" in page and "pair-1" in page and "pair-2" in page
    assert 'name="confirmed" value="yes"' in page and f'href="{reverse("devservers:list")}">Cancel' in page
    assert set(DevServer.objects.values_list("status", flat=True)) == {"RUNNING"}


def test_an_outsider_cannot_act(owner, outsider, account, emulator):
    devserver = running_server(owner, account, emulator, "not-yours")
    response = logged_in(outsider).post(reverse("devservers:action", args=[devserver.pk]), {"action": "stop"})
    assert response.status_code == 404
    batch = logged_in(outsider).post(
        reverse("devservers:batch-action"), {"action": "stop", "selected": [devserver.pk]}, follow=True
    )
    assert "Select at least one server" in batch.content.decode()
    assert DevServer.objects.get(pk=devserver.pk).status == "RUNNING"
