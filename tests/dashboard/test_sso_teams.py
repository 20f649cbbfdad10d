"""Teams from the single sign-on groups claim: who joins and leaves which team, the accounts a first
login links to, and the page of a user no team's group matched."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from devservers.models import Membership, SsoIdentity, Team
from devservers.sso.membership import groups_of, sync_teams
from tests.fixtures.dashboard import logged_in
from tests.oidc_provider.fixtures import MAPPED_GROUP
from tests.oidc_provider.flow import sign_in

pytestmark = pytest.mark.django_db

NO_TEAM = "/accounts/sso/no-team/"


@pytest.fixture
def teams(db) -> dict[str, Team]:
    return {
        "research": Team.objects.create(name="research", sso_group=MAPPED_GROUP),
        "platform": Team.objects.create(name="platform", sso_group="ml-platform"),
        "unmapped": Team.objects.create(name="unmapped"),
    }


def member_of(user: User) -> set[str]:
    return set(Membership.objects.filter(user=user).values_list("team__name", flat=True))


def test_the_groups_claim_may_be_a_list_or_one_name_and_anything_else_names_none():
    assert groups_of({"groups": ["a", "b", 3, ""]}, "groups") == {"a", "b"}
    assert groups_of({"roles": "a"}, "roles") == {"a"}
    assert groups_of({"groups": {"a": 1}}, "groups") == set()
    assert groups_of({}, "groups") == set()


def test_a_user_joins_each_team_their_groups_name_and_leaves_when_no_longer_named(teams, outsider):
    sync_teams(outsider, {"ml-research", "ml-platform", "other"})
    assert member_of(outsider) == {"research", "platform"}

    sync_teams(outsider, {"ml-research"})

    assert member_of(outsider) == {"research"}
    details = list(teams["platform"].audit_entries.order_by("id").values_list("detail", flat=True))
    assert details == [
        "single sign-on: added charlie as member (group 'ml-platform')",
        "single sign-on: removed charlie (group 'ml-platform' no longer named)",
    ]


def test_memberships_made_by_hand_and_promoted_admins_stay_when_the_group_is_not_named(teams, owner, outsider):
    Membership.objects.create(team=teams["platform"], user=owner, role=Membership.Role.MEMBER)
    Membership.objects.create(team=teams["unmapped"], user=owner, role=Membership.Role.MEMBER)
    sync_teams(outsider, {"ml-research"})
    Membership.objects.filter(user=outsider).update(role=Membership.Role.ADMIN)

    sync_teams(owner, set())
    sync_teams(outsider, set())

    assert member_of(owner) == {"platform", "unmapped"}
    assert member_of(outsider) == {"research"}


def test_a_team_whose_group_was_cleared_keeps_the_members_sso_gave_it(teams, outsider):
    sync_teams(outsider, {"ml-research"})
    Team.objects.filter(pk=teams["research"].pk).update(sso_group="")

    sync_teams(outsider, set())

    assert member_of(outsider) == {"research"}


def test_an_unmapped_user_lands_on_a_page_naming_whom_to_ask(sso, teams, owner, teammate):
    User.objects.create_superuser("root", email="root@example.com", password="x", first_name="Site")
    teammate.email, teammate.first_name, teammate.last_name = "bob@example.com", "Bob", "Admin"
    teammate.save()
    Membership.objects.create(team=teams["platform"], user=teammate, role=Membership.Role.ADMIN)
    client = Client()

    response = sign_in(client, "uma")

    assert response["Location"] == NO_TEAM
    page = client.get(NO_TEAM).content.decode()
    assert "in no team yet" in page
    assert "platform: Bob Admin" in page and "mailto:bob@example.com" in page
    assert "mailto:root@example.com" in page


def test_the_no_team_page_is_for_signed_in_users_only(db):
    assert Client().get(NO_TEAM)["Location"].startswith("/accounts/login/")


def test_a_member_on_the_no_team_page_is_sent_on(teams, owner):
    Membership.objects.create(team=teams["research"], user=owner)

    assert 'href="/devservers/"' in logged_in(owner).get(NO_TEAM).content.decode()


def test_a_first_login_links_the_one_account_with_the_verified_email(sso, teams):
    local = User.objects.create_user("ada.l", email="ADA@example.com")

    sign_in(Client(), "ada")

    assert SsoIdentity.objects.get(subject="subject-ada").user == local
    assert member_of(local) == {"research"}


def test_a_staff_account_is_never_taken_over_and_a_taken_name_gets_a_suffix(sso, teams):
    admin = User.objects.create_user("ada", email="ada@example.com", is_staff=True)
    client = Client()

    sign_in(client, "ada")

    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert user != admin and user.username == "ada-2" and not user.is_staff
    assert member_of(admin) == set()


def test_a_deactivated_user_cannot_sign_in_and_joins_nothing(sso, teams):
    sign_in(Client(), "ada")
    user = SsoIdentity.objects.get(subject="subject-ada").user
    Membership.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(is_active=False)
    client = Client()

    response = sign_in(client, "ada")

    assert response["Location"] == "/accounts/login/" and "_auth_user_id" not in client.session
    assert member_of(user) == set()


def test_the_team_admin_sets_the_group_in_the_django_admin(teams, admin_client):
    page = admin_client.get(f"/admin/devservers/team/{teams['research'].pk}/change/").content.decode()

    assert 'name="sso_group"' in page and 'value="ml-research"' in page


def test_the_django_admin_lists_the_single_sign_on_links(sso, teams, admin_client):
    sign_in(Client(), "ada")

    page = admin_client.get("/admin/devservers/ssoidentity/").content.decode()

    assert "subject-ada" in page and admin_client.get("/admin/devservers/ssoidentity/add/").status_code == 403
