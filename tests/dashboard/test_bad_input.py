"""No path answers 500 to a user's input: garbage sent to every form and fragment."""

import pytest
from django.urls import reverse

from devservers.models import AWAITING_APPROVAL, Membership, Team
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

from .forms_data import valid_request

pytestmark = pytest.mark.django_db

GARBAGE = [
    "",
    "abc",
    "-1",
    "99999999999999999999999",
    "<script>x</script>",
    "1e9",
    "'; DROP TABLE x;--",
    "\x00",
]


@pytest.fixture
def admin_with_rows(owner, teammate, account):
    team = Team.objects.create(name="t")
    team.accounts.add(account)
    Membership.objects.create(team=team, user=owner)
    Membership.objects.create(team=team, user=teammate, role=Membership.Role.ADMIN)
    waiting = make_devserver(owner, account, team=team, name="w", status=AWAITING_APPROVAL)
    running = make_devserver(owner, account, team=team, name="r", cloud_id="c-1")
    return team, waiting, running


@pytest.mark.parametrize("value", GARBAGE)
def test_the_request_form_and_its_fragments_take_garbage_without_500(admin_with_rows, teammate, value):
    client = logged_in(teammate)
    fields = {key: value for key in valid_request()}
    for url in ("create", "create-flavors", "create-images", "create-network"):
        assert (
            client.get(
                reverse(f"devservers:{url}"), {**fields, "team": value, "account": value, "from": value}
            ).status_code
            < 500
        )
    response = client.post(reverse("devservers:create"), {**fields, "team": value, "account": value})
    assert response.status_code < 500
    for one_field in valid_request():
        assert (
            client.post(reverse("devservers:create"), valid_request(**{one_field: value})).status_code < 500
        )


@pytest.mark.parametrize("value", GARBAGE)
def test_decisions_actions_and_assignments_take_garbage_without_500(admin_with_rows, teammate, value):
    team, waiting, running = admin_with_rows
    client = logged_in(teammate)
    posts = [
        (
            reverse("devservers:decide", args=[waiting.pk]),
            {"decision": value, "reason": value, "next": value},
        ),
        (
            reverse("devservers:action", args=[running.pk]),
            {"action": value, "confirmed": value, "next": value},
        ),
        (
            reverse("devservers:batch-action"),
            {"action": value, "selected": [value, running.pk], "next": value},
        ),
        (reverse("devservers:assign-owner", args=[running.pk]), {"owner": value}),
        (
            reverse("devservers:team-detail", args=[team.pk]),
            {"action": value, "username": value, "member": value, "role": value},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code < 500, url
    for url in ("review", "review-csv", "audit"):
        params = {key: value for key in ("q", "status", "owner", "flavor", "billing", "age", "team", "sort", "page",
                                           "action", "actor", "instance", "outcome", "date_from", "date_to")}  # fmt: skip
        assert client.get(reverse(f"devservers:{url}"), params).status_code < 500, url
    assert client.get(reverse("devservers:rows"), {"v": value}, HTTP_HX_REQUEST="true").status_code < 500
    assert client.get(reverse("devservers:panel", args=[running.pk]), {"v": value}).status_code < 500
