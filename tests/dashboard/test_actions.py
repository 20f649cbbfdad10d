"""Start, stop, reboot and delete: offered where the cloud allows them, carried out by a real worker on the emulator."""

import pytest
from django.test import Client
from django.urls import reverse

from devservers.cloud import client_for
from devservers.models import AuditEntry, DevServer, Membership, Team
from devservers.provisioning import follow
from tests.fixtures.dashboard import logged_in, wait_for_status
from tests.fixtures.world import running_server

pytestmark = pytest.mark.django_db(transaction=True)


def act(client: Client, devserver: DevServer, action: str, **extra) -> str:
    response = client.post(
        reverse("devservers:action", args=[devserver.pk]), {"action": action, **extra}, follow=True
    )
    return response.content.decode()


def test_it_stops_starts_reboots_and_deletes_through_the_worker(owner, account, emulator, celery_worker):
    devserver = running_server(owner, account, emulator, "lifecycle")
    client = logged_in(owner)

    act(client, devserver, "stop")
    assert DevServer.objects.get(pk=devserver.pk).status in {"STOPPING", "STOPPED"}
    wait_for_status(devserver, {"STOPPED"})
    act(client, devserver, "start")
    wait_for_status(devserver, {"RUNNING"})
    act(client, devserver, "reboot")
    wait_for_status(devserver, {"REBOOTING", "RUNNING"})
    wait_for_status(devserver, {"RUNNING"})
    act(client, devserver, "stop")
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

    assert "disabled" in button("start") and "disabled" in button("delete")
    assert "disabled" not in button("stop") and "disabled" not in button("reboot")


def test_a_cloud_refusal_puts_the_previous_status_back_and_the_follow_finds_the_truth(
    owner, account, emulator, celery_worker
):
    devserver = running_server(owner, account, emulator, "drifted")
    emulator.force_status(devserver.cloud_id, "STOPPED")  # stopped behind the dashboard's back

    act(logged_in(owner), devserver, "stop")

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
        {"action": "stop", "selected": [row.pk for row in [*mine, theirs]]},
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


def test_an_outsider_cannot_act(owner, outsider, account, emulator):
    devserver = running_server(owner, account, emulator, "not-yours")
    response = logged_in(outsider).post(reverse("devservers:action", args=[devserver.pk]), {"action": "stop"})
    assert response.status_code == 404
    batch = logged_in(outsider).post(
        reverse("devservers:batch-action"), {"action": "stop", "selected": [devserver.pk]}, follow=True
    )
    assert "Select at least one server" in batch.content.decode()
    assert DevServer.objects.get(pk=devserver.pk).status == "RUNNING"
