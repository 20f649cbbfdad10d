"""Team pages: members read their team, team admins add members, change roles and remove them."""

import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from devservers import live, selectors
from devservers.models import AuditEntry, Membership, Team, TeamPolicy
from tests.fixtures.dashboard import STOCK_PASSWORD, logged_in, stock_user
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db) -> User:
    return stock_user("root", is_staff=True, is_superuser=True)


def team_url(team: Team) -> str:
    return reverse("devservers:team-detail", args=[team.pk])


def membership_of(team: Team, user: User) -> Membership:
    return Membership.objects.get(team=team, user=user)


def part(page: str, element_id: str) -> str:
    """The markup of the element with this id, up to the end of its block."""
    after = page.split(f'id="{element_id}"', 1)[1]
    return after.split("</tr>", 1)[0] if element_id.startswith("member-") else after.split("</div>", 1)[0]


def membership_audit() -> list[tuple[str, str, str]]:
    return list(
        AuditEntry.objects.filter(action="membership")
        .order_by("created_at", "id")
        .values_list("actor__username", "outcome", "detail")
    )


def every_change(team: Team, member: User) -> list[dict[str, object]]:
    membership_id = membership_of(team, member).pk
    return [
        {"op": "add", "username": "charlie", "role": "member"},
        {"op": "role", "membership": membership_id, "role": "admin"},
        {"op": "remove", "membership": membership_id},
    ]


# Reading ---------------------------------------------------------------------------------------------------


def test_it_lists_the_users_teams_with_role_members_and_accounts(team, owner, teammate, outsider, account):
    Team.objects.create(name="other-team")

    member_page = logged_in(owner).get(reverse("devservers:teams")).content.decode()
    row = part(member_page, f"team-{team.pk}")
    assert "ml-platform" in row and "Member" in row and "<td>2</td>" in row and account.name in row
    assert "Manage members" not in member_page
    assert "other-team" not in member_page

    admin_row = part(logged_in(teammate).get(reverse("devservers:teams")).content.decode(), f"team-{team.pk}")
    assert "Team admin" in admin_row and "Manage members" in admin_row

    outsider_page = logged_in(outsider).get(reverse("devservers:teams")).content.decode()
    assert "ml-platform" not in outsider_page and account.name not in outsider_page


def test_a_superuser_sees_every_team(team, superuser):
    Team.objects.create(name="other-team")
    page = logged_in(superuser).get(reverse("devservers:teams")).content.decode()
    assert "ml-platform" in page and "other-team" in page
    assert page.count("Manage members") == 2


def test_an_outsider_gets_404_and_changes_nothing(team, owner, outsider):
    client = logged_in(outsider)
    page = client.get(team_url(team))
    assert page.status_code == 404 and "alice" not in page.content.decode()
    for change in every_change(team, owner):
        assert client.post(team_url(team), change).status_code == 404
        assert client.post(team_url(team), change, HTTP_HX_REQUEST="true").status_code == 404
    assert not Membership.objects.filter(user=outsider).exists()
    assert membership_of(team, owner).role == Membership.Role.MEMBER
    assert membership_audit() == []


def test_a_member_reads_the_members_and_the_policy_but_cannot_change_them(team, owner, teammate, outsider):
    TeamPolicy.objects.filter(team=team).update(max_running_per_user=3, approval_count_above=2)
    client = logged_in(owner)

    page = client.get(team_url(team)).content.decode()

    members = page.split('id="team-members"')[1].split("</section>")[0]
    assert "alice" in members and "bob" in members and "Team admin" in members
    assert "<form" not in members and "Add member" not in members
    policy = page.split('id="policy-heading"')[1]
    assert "Running instances per user</dt><dd>3" in policy
    assert "more than 2 servers in one request" in policy
    for change in every_change(team, teammate):
        assert client.post(team_url(team), change).status_code == 403
    assert not Membership.objects.filter(team=team, user__username="charlie").exists()
    assert membership_of(team, teammate).role == Membership.Role.ADMIN
    assert membership_audit() == []


def test_a_team_without_policy_says_so(team, owner):
    TeamPolicy.objects.filter(team=team).delete()
    page = logged_in(owner).get(team_url(team)).content.decode()
    assert "No policy" in page.split('id="policy-heading"')[1]


# Changing --------------------------------------------------------------------------------------------------


def test_an_admin_adds_a_member_who_then_sees_the_teams_instances(team, owner, teammate, outsider, account):
    make_devserver(owner, account, team=team, name="team-box")
    assert "team-box" not in logged_in(outsider).get(reverse("devservers:list")).content.decode()

    response = logged_in(teammate).post(
        team_url(team), {"op": "add", "username": "charlie", "role": "member"}
    )

    assert response.status_code == 302 and response["Location"] == team_url(team)
    assert membership_of(team, outsider).role == Membership.Role.MEMBER
    assert membership_audit() == [("bob", "ok", "added charlie as member")]
    assert AuditEntry.objects.get(action="membership").team == team
    assert "team-box" in logged_in(outsider).get(reverse("devservers:list")).content.decode()


def test_an_admin_changes_a_role_and_removes_a_member(team, owner, teammate):
    admin = logged_in(teammate)
    alice = membership_of(team, owner)

    admin.post(team_url(team), {"op": "role", "membership": alice.pk, "role": "admin"})
    alice.refresh_from_db()
    assert alice.role == Membership.Role.ADMIN
    assert selectors.is_team_admin(owner, team)

    admin.post(team_url(team), {"op": "remove", "membership": alice.pk})
    assert not Membership.objects.filter(team=team, user=owner).exists()
    assert membership_audit() == [("bob", "ok", "alice: member → admin"), ("bob", "ok", "removed alice")]
    assert logged_in(owner).get(team_url(team)).status_code == 404


def test_a_superuser_outside_the_team_manages_it(team, superuser, outsider):
    response = logged_in(superuser).post(
        team_url(team), {"op": "add", "username": "charlie", "role": "admin"}
    )
    assert response.status_code == 302
    assert membership_of(team, outsider).role == Membership.Role.ADMIN
    assert membership_audit() == [("root", "ok", "added charlie as admin")]


@pytest.mark.parametrize(
    ("username", "words"),
    [
        ("nobody", "There is no active user named “nobody”"),
        ("alice", "alice is already a member of ml-platform"),
    ],
)
def test_an_unknown_user_or_a_member_again_is_refused_at_the_field(team, teammate, username, words):
    response = logged_in(teammate).post(team_url(team), {"op": "add", "username": username, "role": "member"})
    assert response.status_code == 200
    assert words in part(response.content.decode(), "field-username")
    assert Membership.objects.filter(team=team).count() == 2
    assert membership_audit() == []


def test_an_inactive_user_cannot_be_added(team, teammate, outsider):
    outsider.is_active = False
    outsider.save()
    response = logged_in(teammate).post(
        team_url(team), {"op": "add", "username": "charlie", "role": "member"}
    )
    assert "no active user named" in part(response.content.decode(), "field-username")
    assert not Membership.objects.filter(user=outsider).exists()


def test_the_last_admin_can_be_neither_demoted_nor_removed(team, owner, teammate):
    admin = logged_in(teammate)
    bob = membership_of(team, teammate)

    for change in (
        {"op": "role", "membership": bob.pk, "role": "member"},
        {"op": "remove", "membership": bob.pk},
    ):
        response = admin.post(team_url(team), change)
        assert response.status_code == 200
        assert "bob is the team&#x27;s last admin" in part(response.content.decode(), f"member-{bob.pk}")
        bob.refresh_from_db()
        assert bob.role == Membership.Role.ADMIN
    assert membership_audit() == []

    # With a second admin, the first may step down.
    admin.post(team_url(team), {"op": "role", "membership": membership_of(team, owner).pk, "role": "admin"})
    admin.post(team_url(team), {"op": "role", "membership": bob.pk, "role": "member"})
    bob.refresh_from_db()
    assert bob.role == Membership.Role.MEMBER
    assert "<form" not in admin.get(team_url(team)).content.decode().split('id="team-members"')[1]


def test_an_admin_who_removes_themselves_goes_back_to_the_team_list(team, owner, teammate):
    admin = logged_in(teammate)
    admin.post(team_url(team), {"op": "role", "membership": membership_of(team, owner).pk, "role": "admin"})

    response = admin.post(team_url(team), {"op": "remove", "membership": membership_of(team, teammate).pk})

    assert response.status_code == 302 and response["Location"] == reverse("devservers:teams")
    assert admin.get(team_url(team)).status_code == 404


def test_a_member_removed_meanwhile_is_reported_not_crashed(team, owner, teammate):
    stale_id = membership_of(team, owner).pk
    Membership.objects.filter(pk=stale_id).delete()
    response = logged_in(teammate).post(team_url(team), {"op": "remove", "membership": stale_id})
    assert response.status_code == 200
    assert "no longer a member" in response.content.decode()


@pytest.mark.parametrize(
    "change",
    [{"op": "role", "membership": "x", "role": "admin"}, {"op": "role", "role": "owner"}, {"op": "rename"}],
)
def test_a_malformed_change_is_a_400_not_a_500(team, teammate, change):
    assert logged_in(teammate).post(team_url(team), change).status_code == 400


def test_a_member_of_another_team_cannot_be_changed_through_this_one(team, teammate, outsider):
    other = Team.objects.create(name="other-team")
    foreign = Membership.objects.create(team=other, user=outsider, role=Membership.Role.ADMIN)
    admin = logged_in(teammate)
    admin.post(team_url(team), {"op": "role", "membership": foreign.pk, "role": "member"})
    admin.post(team_url(team), {"op": "remove", "membership": foreign.pk})
    foreign.refresh_from_db()
    assert foreign.role == Membership.Role.ADMIN
    assert membership_audit() == []


def test_changes_need_the_csrf_token(team, teammate, outsider):
    client = Client(enforce_csrf_checks=True)
    assert client.login(request=HttpRequest(), username=teammate.username, password=STOCK_PASSWORD)
    response = client.post(team_url(team), {"op": "add", "username": "charlie", "role": "member"})
    assert response.status_code == 403
    assert not Membership.objects.filter(user__username="charlie").exists()


def test_an_htmx_change_answers_with_the_member_table_alone(team, teammate, outsider):
    response = logged_in(teammate).post(
        team_url(team), {"op": "add", "username": "charlie", "role": "member"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="team-members"') and "<html" not in body
    assert "charlie" in body and "Added charlie to ml-platform as member." in body


def test_an_added_members_open_list_refreshes_by_itself(
    team, owner, teammate, outsider, account, django_capture_on_commit_callbacks
):
    make_devserver(owner, account, team=team, name="team-box")
    watcher = logged_in(outsider)
    token = live.view_token(user_id=outsider.pk, scopes=selectors.list_scopes(outsider))
    poll = reverse("devservers:rows") + f"?v={token}"
    assert watcher.get(poll, HTTP_HX_REQUEST="true").status_code == 204

    with django_capture_on_commit_callbacks(execute=True):
        logged_in(teammate).post(team_url(team), {"op": "add", "username": "charlie", "role": "member"})

    refreshed = watcher.get(poll, HTTP_HX_REQUEST="true")
    assert refreshed.status_code == 200 and "team-box" in refreshed.content.decode()


def test_the_audit_entries_are_readable_by_the_teams_admins_only(team, owner, teammate, outsider):
    logged_in(teammate).post(team_url(team), {"op": "add", "username": "charlie", "role": "member"})
    assert list(selectors.audit_entries_for(teammate).values_list("detail", flat=True)) == [
        "added charlie as member"
    ]
    assert not selectors.audit_entries_for(owner).exists()
