"""The REST API's endpoints: the pages' visibility rules, writes through the services, refusals in the form's shape."""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from devservers import catalog
from devservers.models import AWAITING_APPROVAL, DECLINED, QUEUED, AuditEntry, DevServer, Membership, Team
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id, make_devserver

from .api_world import create_body, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_team(account, outsider) -> Team:
    other = Team.objects.create(name="speech")
    other.accounts.add(account)
    Membership.objects.create(team=other, user=outsider, role=Membership.Role.ADMIN)
    return other


@pytest.fixture
def queued_request(owner, account, team) -> DevServer:
    return make_devserver(owner, account, team=team, name="gpu-box", status=AWAITING_APPROVAL, cloud_id="")


def test_it_refuses_a_call_without_a_token(client, team):
    assert client.get("/api/v1/instances").status_code == 401
    assert client.get("/api/v1/instances", headers={"Authorization": "Bearer dsd_nope"}).status_code == 401


def test_it_lists_the_instances_of_the_users_teams_only(owner, account, team, other_team, outsider):
    make_devserver(owner, account, team=team, name="mine")
    make_devserver(outsider, account, team=other_team, name="theirs")
    names = [row["name"] for row in token_client(owner).get("/instances").json()["items"]]
    assert names == ["mine"]


def test_the_list_filters_like_the_page(owner, teammate, account, team):
    make_devserver(owner, account, team=team, name="alpha-1", status="RUNNING")
    make_devserver(teammate, account, team=team, name="beta-1", status="STOPPED")
    api = token_client(owner)
    assert [r["name"] for r in api.get("/instances", q="alpha").json()["items"]] == ["alpha-1"]
    assert [r["name"] for r in api.get("/instances", status="STOPPED").json()["items"]] == ["beta-1"]
    assert [r["name"] for r in api.get("/instances", scope="mine").json()["items"]] == ["alpha-1"]
    assert api.get("/instances", scope="nobody").json() == {"errors": {"scope": ["One of all, team, mine."]}}


def test_the_list_pages_by_cursor_newest_first_without_gaps(owner, account, team):
    for index in range(5):
        make_devserver(owner, account, team=team, name=f"row-{index}")
    api = token_client(owner)
    seen, cursor = [], None
    while True:
        page = api.get("/instances", limit=2, **({"cursor": cursor} if cursor else {})).json()
        seen += [row["name"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"row-{index}" for index in reversed(range(5))]
    assert api.get("/instances", cursor="garbage!").status_code == 422
    assert api.get("/instances", limit=0).json()["errors"] == {"limit": ["Ask for 1 to 200 rows."]}


def test_one_instance_comes_with_its_events(owner, account, team):
    devserver = make_devserver(owner, account, team=team)
    devserver.events.create(kind="note", message="hello")
    body = token_client(owner).get(f"/instances/{devserver.pk}").json()
    assert body["name"] == "row-1" and body["owner"] == "alice"
    assert [event["message"] for event in body["events"]] == ["hello"]


def test_the_outsider_walk_finds_nothing_of_another_team(owner, account, team, outsider, queued_request):
    running = make_devserver(owner, account, team=team, name="running", cloud_id="abc")
    api = token_client(outsider)
    assert api.get(f"/instances/{running.pk}").status_code == 404
    assert api.post(f"/instances/{running.pk}/stop").status_code == 404
    assert api.post(f"/approvals/{queued_request.pk}/approve").status_code == 404
    assert api.post(f"/approvals/{queued_request.pk}/decline", {"reason": "no"}).status_code == 404
    assert api.get("/approvals").json()["items"] == []
    assert api.get("/audit").json()["items"] == []
    assert api.get("/catalogue", team=team.pk).status_code == 404
    assert api.post("/instances", create_body(team=team.pk)).status_code == 404
    running.refresh_from_db()
    queued_request.refresh_from_db()
    assert (running.status, queued_request.status) == ("RUNNING", AWAITING_APPROVAL)


def test_the_catalogue_has_flavors_with_accelerators_prices_and_images(owner, account, team):
    body = token_client(owner).get("/catalogue").json()
    flavors = {flavor["name"]: flavor for flavor in body["flavors"]}
    assert flavors[GPU_FLAVOR]["accelerators"]["count"] == 1
    assert flavors[GPU_FLAVOR]["prices"]["currency"] == account.currency
    assert gpu_image_id(account) in [image["image_id"] for image in flavors[GPU_FLAVOR]["images"]]
    assert body["networks"][0]["subnets"] and body["key_pairs"]


def test_a_cold_catalogue_answers_503_json_and_calls_no_cloud(owner, account, team, emulator):
    cache.delete(f"catalog:{account.pk}:flavors")
    before = emulator.counters()
    answer = token_client(owner).get("/catalogue")
    assert answer.status_code == 503 and answer["Retry-After"]
    assert "loading" in answer.json()["detail"]
    assert not catalog.is_loaded(account)
    assert emulator.counters() == before


def test_a_create_request_goes_through_the_form_and_the_service(owner, account, team):
    answer = token_client(owner).post("/instances", create_body(name="api-box"))
    assert answer.status_code == 201, answer.content
    devserver = DevServer.objects.get(name="api-box")
    assert (devserver.owner, devserver.team, devserver.status) == (owner, team, QUEUED)
    assert devserver.admin_pass_encrypted and "Dev!Server" not in devserver.admin_pass_encrypted
    assert AuditEntry.objects.filter(action="request", devserver=devserver).exists()
    assert answer.json()["items"][0]["id"] == devserver.pk


def test_refusals_come_in_the_forms_shape(owner, account, team):
    api = token_client(owner)
    answer = api.post("/instances", create_body(name="bad name!", flavor="no-such", admin_pass="short"))
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert set(errors) >= {"name", "flavor", "admin_pass"}
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    typed = api.post("/instances", create_body(count="many")).json()["errors"]
    assert list(typed) == ["count"]
    assert not DevServer.objects.exists()


def test_a_gpu_request_waits_for_approval_with_the_policys_reason(owner, account, team):
    body = create_body(name="gpu-box", flavor=GPU_FLAVOR, image_id=gpu_image_id(account))
    answer = token_client(owner).post("/instances", body).json()
    assert answer["awaiting_approval"] is True and answer["approval_reasons"]
    assert DevServer.objects.get(name="gpu-box").status == AWAITING_APPROVAL


def test_the_same_idempotency_key_twice_gives_one_request(owner, account, team):
    api = token_client(owner)
    first = api.post("/instances", create_body(name="once"), **{"Idempotency-Key": "job-42"})
    again = api.post("/instances", create_body(name="once"), **{"Idempotency-Key": "job-42"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["items"][0]["id"] == again.json()["items"][0]["id"]
    assert DevServer.objects.filter(name="once").count() == 1
    other = api.post("/instances", create_body(name="twice"), **{"Idempotency-Key": "job-43"})
    assert other.status_code == 201


def test_an_idempotency_key_is_the_users_own(owner, teammate, account, team):
    token_client(owner).post("/instances", create_body(name="alices"), **{"Idempotency-Key": "k"})
    bobs = token_client(teammate).post("/instances", create_body(name="bobs"), **{"Idempotency-Key": "k"})
    assert bobs.status_code == 201 and bobs.json()["items"][0]["name"] == "bobs"


def test_lifecycle_actions_go_through_the_claim(owner, account, team, outsider):
    devserver = make_devserver(owner, account, team=team, cloud_id="cloud-1", status="RUNNING")
    api = token_client(owner)
    stopped = api.post(f"/instances/{devserver.pk}/stop")
    assert stopped.status_code == 202 and stopped.json()["status"] == "STOPPING"
    again = api.post(f"/instances/{devserver.pk}/stop")
    assert again.status_code == 409 and list(again.json()["errors"]) == ["action"]
    assert api.post(f"/instances/{devserver.pk}/explode").json()["errors"]["action"]
    assert AuditEntry.objects.filter(action="stop", devserver=devserver, actor=owner).exists()


def test_a_member_may_not_act_on_a_teammates_server(owner, teammate, account, team):
    bobs = make_devserver(teammate, account, team=team, name="bobs", cloud_id="cloud-2")
    answer = token_client(owner).post(f"/instances/{bobs.pk}/reboot")
    assert answer.status_code == 403 and answer.json()["errors"]["action"]


def test_a_team_admin_sees_the_queue_and_approves(teammate, owner, queued_request):
    api = token_client(teammate)
    assert [row["name"] for row in api.get("/approvals").json()["items"]] == ["gpu-box"]
    approved = api.post(f"/approvals/{queued_request.pk}/approve")
    assert approved.status_code == 200 and approved.json()["status"] == QUEUED
    assert api.post(f"/approvals/{queued_request.pk}/approve").status_code == 409


def test_the_queue_pages_by_cursor_oldest_first(teammate, owner, account, team):
    for index in range(5):
        make_devserver(owner, account, team=team, name=f"wait-{index}", status=AWAITING_APPROVAL, cloud_id="")
    api = token_client(teammate)
    seen, cursor = [], None
    while True:
        page = api.get("/approvals", limit=2, **({"cursor": cursor} if cursor else {})).json()
        assert len(page["items"]) <= 2
        seen += [row["name"] for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"wait-{index}" for index in range(5)]
    assert api.get("/approvals", limit=500).json()["errors"] == {"limit": ["Ask for 1 to 200 rows."]}


def test_a_decline_needs_a_reason_and_a_member_cannot_decide(teammate, owner, queued_request):
    assert token_client(owner).post(f"/approvals/{queued_request.pk}/approve").status_code == 403
    api = token_client(teammate)
    assert api.post(f"/approvals/{queued_request.pk}/decline", {"reason": " "}).json() == {
        "errors": {"reason": ["Say why the request is declined; the requester sees the reason."]}
    }
    declined = api.post(f"/approvals/{queued_request.pk}/decline", {"reason": "too big"}).json()
    assert (declined["status"], declined["decline_reason"]) == (DECLINED, "too big")


def test_the_audit_trail_is_the_admins_and_pages(teammate, owner, queued_request):
    api = token_client(teammate)
    api.post(f"/approvals/{queued_request.pk}/approve")
    entries = api.get("/audit", action="approve").json()["items"]
    assert [(entry["actor"], entry["devserver_id"]) for entry in entries] == [("bob", queued_request.pk)]
    assert token_client(owner).get("/audit").json()["items"] == []


def test_a_superuser_sees_every_team(owner, account, team, other_team, outsider):
    make_devserver(outsider, account, team=other_team, name="theirs")
    admin = User.objects.create_superuser("root", password="x")
    assert [row["name"] for row in token_client(admin).get("/instances").json()["items"]] == ["theirs"]
