"""Reconciliation: servers made straight on the cloud appear as imported rows, once, for their team
only; servers the dashboard is still creating are left to the create flow; vanished ones are marked
deleted; and a team admin assigns an imported server its owner."""

import threading
import time
import uuid
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from devservers import live, selectors, tasks
from devservers.cloud import client_for
from devservers.models import OUTCOME_UNKNOWN, AuditEntry, CloudAccount, DevServer, Team
from devservers.provisioning import follow, reconcile, submit
from modelarts_client import AkSkCredentials, CreateServerRequest, ModelArtsClient, ServerNetwork
from modelarts_client import DevServer as CloudServer
from tests.fixtures.dashboard import emulator_account, logged_in, stock_user, wait_for
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id, make_devserver

from .forms_data import SEED_FLAVOR, SEED_IMAGE_ID, SEED_SECURITY_GROUP_ID, SEED_SUBNET_ID, SEED_VPC_ID


@pytest.fixture
def other_cloud_user(cloud_config_for, emulator):
    """Another user of the same cloud project, creating servers in the console's stead."""
    credentials = AkSkCredentials(emulator.second_access_key, emulator.second_secret_key)
    with ModelArtsClient(cloud_config_for(credentials=credentials)) as client:
        yield client


def create_on_the_cloud(
    client: ModelArtsClient, name: str, *, flavor: str = SEED_FLAVOR, image_id: str = SEED_IMAGE_ID
) -> CloudServer:
    return client.create_dev_server(
        CreateServerRequest(
            name=name,
            flavor=flavor,
            image_id=image_id,
            network=ServerNetwork(
                vpc_id=SEED_VPC_ID, subnet_id=SEED_SUBNET_ID, security_group_id=SEED_SECURITY_GROUP_ID
            ),
            key_pair_name="KeyPair-dev",
        )
    )


def row_html(page: str, devserver: DevServer) -> str:
    return page.split(f'id="devserver-{devserver.pk}"')[1].split("</tr>")[0]


@pytest.mark.django_db
def test_a_server_made_on_the_cloud_is_imported_with_what_the_cloud_tells(team, account, other_cloud_user):
    server = create_on_the_cloud(
        other_cloud_user, "console-gpu", flavor=GPU_FLAVOR, image_id=gpu_image_id(account)
    )

    reconcile.reconcile_account(account_id=account.pk)

    imported = DevServer.objects.get(cloud_id=server.id)
    assert imported.is_imported and imported.owner is None and imported.team == team
    assert (imported.name, imported.flavor, imported.image_id) == (
        "console-gpu",
        GPU_FLAVOR,
        server.image.image_id,
    )
    assert imported.image_name == server.image.name
    assert (imported.vpc_id, imported.subnet_id) == (SEED_VPC_ID, SEED_SUBNET_ID)
    assert (imported.arch, imported.server_type) == ("X86", "ECS")
    assert imported.status == server.status and imported.cloud_create_at == server.create_at
    assert imported.private_ip == server.private_ip and imported.order_id == server.order_id
    assert (imported.login_method, imported.key_pair_name) == ("key_pair", "KeyPair-dev")
    assert imported.security_group_id == "" and imported.charging_mode == server.charging_mode
    assert imported.accelerator_count == 1
    assert imported.last_response["id"] == server.id
    assert (
        imported.events.filter(kind="note", message__startswith="Imported: found in the cloud").count() == 1
    )
    entry = AuditEntry.objects.get(devserver=imported)
    assert (entry.action, entry.actor, entry.team) == ("import", None, team)


@pytest.mark.django_db
def test_reconciling_again_imports_nothing_twice(team, account, other_cloud_user):
    server = create_on_the_cloud(other_cloud_user, "console-once")

    for _ in range(3):
        reconcile.reconcile_account(account_id=account.pk)

    assert DevServer.objects.filter(cloud_id=server.id).count() == 1
    assert AuditEntry.objects.filter(action="import").count() == 1


@pytest.mark.django_db
def test_members_see_the_imported_row_read_only_and_outsiders_nothing(
    team, account, owner, outsider, other_cloud_user
):
    create_on_the_cloud(other_cloud_user, "console-seen")
    reconcile.reconcile_account(account_id=account.pk)
    imported = DevServer.objects.get(name="console-seen")

    member = logged_in(owner)
    row = row_html(member.get(reverse("devservers:list")).content.decode(), imported)
    assert 'data-testid="imported"' in row and "unknown" in row
    detail = member.get(reverse("devservers:detail", args=[imported.pk])).content.decode()
    assert "its owner is unknown" in detail
    assert reverse("devservers:assign-owner", args=[imported.pk]) not in detail

    stranger = logged_in(outsider)
    assert "console-seen" not in stranger.get(reverse("devservers:list")).content.decode()
    assert stranger.get(reverse("devservers:detail", args=[imported.pk])).status_code == 404


@pytest.mark.django_db
def test_an_open_list_learns_of_the_imported_row(
    team, account, owner, other_cloud_user, django_capture_on_commit_callbacks
):
    member = logged_in(owner)
    token = live.view_token(user_id=owner.pk, scopes=selectors.list_scopes(owner))
    rows_url = reverse("devservers:rows")
    assert member.get(rows_url, {"v": token}, HTTP_HX_REQUEST="true").status_code == 204
    create_on_the_cloud(other_cloud_user, "console-live")

    with django_capture_on_commit_callbacks(execute=True):
        reconcile.reconcile_account(account_id=account.pk)

    poll = member.get(rows_url, {"v": token}, HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "console-live" in poll.content.decode()


@pytest.mark.django_db
def test_an_account_shared_by_two_teams_imports_for_superusers_only(team, account, owner, other_cloud_user):
    Team.objects.create(name="another-team").accounts.add(account)
    create_on_the_cloud(other_cloud_user, "console-shared")

    reconcile.reconcile_account(account_id=account.pk)

    imported = DevServer.objects.get(name="console-shared")
    assert imported.team is None
    assert "console-shared" not in logged_in(owner).get(reverse("devservers:list")).content.decode()
    root = stock_user("root", is_staff=True, is_superuser=True)
    assert "console-shared" in logged_in(root).get(reverse("devservers:list")).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["QUEUED", "SUBMITTING", OUTCOME_UNKNOWN])
def test_a_server_the_dashboard_is_still_creating_is_not_imported(team, owner, account, status):
    creating = make_devserver(owner, account, team=team, name="in-flight", status=status)
    # The create reached the cloud but its answer is not stored (yet, or ever).
    server = client_for(account).create_dev_server(submit.create_request_for(creating))

    reconcile.reconcile_account(account_id=account.pk)

    assert list(DevServer.objects.values_list("name", "is_imported")) == [("in-flight", False)]
    if status == OUTCOME_UNKNOWN:
        submit.check_unknown_outcome(devserver_id=creating.pk, check_number=1)
        creating.refresh_from_db()
        assert creating.cloud_id == server.id
        reconcile.reconcile_account(account_id=account.pk)
        assert DevServer.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_imported_server_deleted_on_the_cloud_is_marked_deleted(team, account, emulator, other_cloud_user):
    server = create_on_the_cloud(other_cloud_user, "console-gone")
    reconcile.reconcile_account(account_id=account.pk)
    imported = DevServer.objects.get(cloud_id=server.id)

    wait_for(lambda: other_cloud_user.get_dev_server(server.id).status == "RUNNING")
    other_cloud_user.stop_dev_server(server.id)
    wait_for(lambda: other_cloud_user.get_dev_server(server.id).status == "STOPPED")
    other_cloud_user.delete_dev_server(server.id)
    wait_for(
        lambda: server.id not in {listed.id for listed in other_cloud_user.iter_dev_servers(all_users=True)}
    )

    reconcile.reconcile_account(account_id=account.pk)

    imported.refresh_from_db()
    assert imported.status == "DELETED"
    assert DevServer.objects.filter(cloud_id=server.id).count() == 1


@pytest.mark.django_db
def test_a_row_that_got_its_id_after_the_list_was_read_is_not_marked_gone(team, owner, account):
    # As if the create was answered while this reconcile was still walking the list.
    just_created = make_devserver(
        owner, account, team=team, name="just-made", status="CREATING", cloud_id="not-listed-yet",
        submitted_at=timezone.now() + timedelta(seconds=30),
    )  # fmt: skip
    long_known = make_devserver(owner, account, team=team, name="long-known", cloud_id=str(uuid.uuid4()))

    reconcile.reconcile_account(account_id=account.pk)

    just_created.refresh_from_db()
    long_known.refresh_from_db()
    assert (just_created.status, long_known.status) == ("CREATING", "DELETED")


@pytest.mark.django_db(transaction=True)
def test_two_reconciles_at_once_import_the_server_once(team, account, other_cloud_user):
    server = create_on_the_cloud(other_cloud_user, "console-race")
    first_imported = threading.Event()

    def first_reconcile_holding_its_transaction() -> None:
        try:
            with transaction.atomic():
                reconcile.reconcile_account(account_id=account.pk)
                first_imported.set()
                # Uncommitted, so the second reconcile's look-up finds nothing and its insert waits.
                time.sleep(1.5)
        finally:
            connection.close()

    first = threading.Thread(target=first_reconcile_holding_its_transaction)
    first.start()
    assert first_imported.wait(timeout=30)
    reconcile.reconcile_account(account_id=account.pk)
    first.join()

    assert DevServer.objects.filter(cloud_id=server.id).count() == 1
    assert AuditEntry.objects.filter(action="import").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_beat_task_imports_through_the_worker(team, account, other_cloud_user, celery_worker):
    server = create_on_the_cloud(other_cloud_user, "console-worker")

    tasks.reconcile_account.delay(account.pk)

    imported = wait_for(lambda: DevServer.objects.filter(cloud_id=server.id, is_imported=True).first())
    assert imported.owner is None and imported.team_id == team.pk


# Assigning an owner ----------------------------------------------------------------------------------


@pytest.fixture
def imported(team, account, other_cloud_user) -> DevServer:
    create_on_the_cloud(other_cloud_user, "console-owned")
    reconcile.reconcile_account(account_id=account.pk)
    return DevServer.objects.get(name="console-owned")


@pytest.mark.django_db
def test_a_team_admin_assigns_an_owner(imported, team, owner, teammate, django_capture_on_commit_callbacks):
    admin = logged_in(teammate)
    detail = admin.get(reverse("devservers:detail", args=[imported.pk])).content.decode()
    form = detail.split(reverse("devservers:assign-owner", args=[imported.pk]))[1].split("</form>")[0]
    assert f'value="{owner.pk}"' in form and f'value="{teammate.pk}"' in form
    team_version = live.current_versions([live.team_scope(team.pk)])[0]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("devservers:assign-owner", args=[imported.pk]), {"owner": owner.pk})

    assert response.status_code == 302
    imported.refresh_from_db()
    assert imported.owner == owner and imported.is_imported
    entry = AuditEntry.objects.get(action="assign_owner")
    assert (entry.actor, entry.devserver, entry.detail) == (teammate, imported, "assigned to alice")
    assert imported.events.filter(kind="note", message__contains="Owner set to alice").exists()
    assert live.current_versions([live.team_scope(team.pk)])[0] > team_version
    row = row_html(logged_in(owner).get(reverse("devservers:list")).content.decode(), imported)
    assert "alice" in row and 'data-testid="imported"' in row


@pytest.mark.django_db
def test_a_member_cannot_assign_an_owner_and_an_outsider_cannot_see_the_server(imported, owner, outsider):
    url = reverse("devservers:assign-owner", args=[imported.pk])

    assert logged_in(owner).post(url, {"owner": owner.pk}).status_code == 403
    assert logged_in(outsider).post(url, {"owner": outsider.pk}).status_code == 404
    assert logged_in(owner).get(url).status_code == 405

    imported.refresh_from_db()
    assert imported.owner is None
    assert not AuditEntry.objects.filter(action="assign_owner").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("choice", ["outsider", "nobody", "not-a-number", ""])
def test_a_bad_owner_gets_a_message_not_an_error(imported, teammate, outsider, choice):
    value = {"outsider": outsider.pk, "nobody": 987654, "not-a-number": "bob", "": ""}[choice]

    response = logged_in(teammate).post(
        reverse("devservers:assign-owner", args=[imported.pk]), {"owner": value}, follow=True
    )

    assert response.status_code == 200
    assert "choose a member of the server&#x27;s team" in response.content.decode()
    imported.refresh_from_db()
    assert imported.owner is None


@pytest.mark.django_db
def test_a_requested_server_keeps_its_requester_as_owner(team, owner, teammate, account):
    requested = make_devserver(owner, account, team=team, name="requested")

    response = logged_in(teammate).post(
        reverse("devservers:assign-owner", args=[requested.pk]), {"owner": teammate.pk}, follow=True
    )

    assert "its owner is the requester" in response.content.decode()
    requested.refresh_from_db()
    assert requested.owner == owner


@pytest.fixture(params=["offset", "none"])
def paging_account(request, db) -> CloudAccount:
    """An account on an emulator whose /all pages by limit/offset, or ignores both and lists everything."""
    handle = request.getfixturevalue("emulator" if request.param == "offset" else "unpaged_emulator")
    return emulator_account(handle, name=f"paging-{request.param}")


@pytest.mark.django_db
def test_reconcile_marks_nothing_deleted_that_still_exists_however_all_pages(paging_account):
    client = client_for(paging_account)
    names = [f"paged-{index}" for index in range(12)]
    for name in names:
        create_on_the_cloud(client, name)
    reconcile.reconcile_account(account_id=paging_account.pk)
    reconcile.reconcile_account(account_id=paging_account.pk)

    rows = DevServer.objects.filter(account=paging_account)
    assert sorted(rows.values_list("name", flat=True)) == sorted(names)
    assert not rows.filter(status="DELETED").exists()


@pytest.mark.django_db
def test_a_row_the_list_left_out_is_asked_for_and_kept_while_the_cloud_knows_it(team, owner, account):
    server = create_on_the_cloud(client_for(account), "left-out")
    row = make_devserver(owner, account, team=team, name="left-out", status="CREATING", cloud_id=server.id)

    follow.confirm_gone(devserver_id=row.pk)

    row.refresh_from_db()
    assert row.status == "CREATING"
    assert row.last_response["id"] == server.id


@pytest.mark.django_db
def test_a_gateway_404_does_not_mark_a_row_gone(team, owner, account):
    # A non-UUID id is a path the gateway does not know (APIG.0101), not an answer about a server.
    row = make_devserver(owner, account, team=team, name="odd-id", status="RUNNING", cloud_id="not/a-uuid")

    follow.confirm_gone(devserver_id=row.pk)

    row.refresh_from_db()
    assert row.status == "RUNNING"
