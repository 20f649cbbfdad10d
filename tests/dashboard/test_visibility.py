"""Several teams per user, superusers, and read-only rows of teammates."""

import pytest
from django.urls import reverse

from devservers.models import DevServer, Membership, Team
from tests.fixtures.dashboard import logged_in, stock_user
from tests.fixtures.world import make_devserver

from .forms_data import valid_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_teams(account, owner) -> tuple[Team, Team]:
    first, second = Team.objects.create(name="vision"), Team.objects.create(name="speech")
    for team in (first, second):
        team.accounts.add(account)
        Membership.objects.create(team=team, user=owner)
    return first, second


def test_a_user_in_several_teams_is_asked_which_team_a_request_is_for(two_teams, owner):
    _vision, speech = two_teams
    client = logged_in(owner)

    form_page = client.get(reverse("devservers:create")).content.decode()
    assert 'id="team-switch"' in form_page and ">vision<" in form_page and ">speech<" in form_page

    client.post(reverse("devservers:create"), valid_request(name="for-speech", team=speech.pk))
    assert DevServer.objects.get(name="for-speech").team == speech


def test_a_request_cannot_name_a_team_the_user_is_not_in(two_teams, owner, outsider, account):
    foreign = Team.objects.create(name="foreign")
    foreign.accounts.add(account)
    logged_in(owner).post(reverse("devservers:create"), valid_request(name="sneaky", team=foreign.pk))
    assert DevServer.objects.get(name="sneaky").team in two_teams


def test_superusers_see_every_teams_instances(two_teams, owner, outsider, account):
    other_team = Team.objects.create(name="elsewhere")
    make_devserver(outsider, account, team=other_team, name="elsewhere-box")
    make_devserver(owner, account, team=two_teams[0], name="vision-box")
    root = stock_user("root", is_staff=True, is_superuser=True)

    page = logged_in(root).get(reverse("devservers:list")).content.decode()

    assert "elsewhere-box" in page and "vision-box" in page


def test_a_teammates_row_is_read_only_for_a_member(two_teams, owner, teammate, account):
    vision, _speech = two_teams
    Membership.objects.create(team=vision, user=teammate)
    theirs = make_devserver(teammate, account, team=vision, name="teammates-box", cloud_id="c-1")
    mine = make_devserver(owner, account, team=vision, name="my-box", cloud_id="c-2")
    client = logged_in(owner)

    list_page = client.get(reverse("devservers:list")).content.decode()
    detail = client.get(reverse("devservers:detail", args=[theirs.pk])).content.decode()

    assert "teammates-box" in list_page
    assert f'value="{theirs.pk}"' not in list_page and f'value="{mine.pk}"' in list_page
    assert 'data-action="stop"' not in detail
    assert 'data-action="stop"' in client.get(reverse("devservers:detail", args=[mine.pk])).content.decode()


def test_an_owner_still_sees_their_server_after_leaving_the_team(two_teams, owner, outsider, account):
    vision, _speech = two_teams
    devserver = make_devserver(owner, account, team=vision, name="kept-after-leaving")
    Membership.objects.filter(team=vision, user=owner).delete()

    assert logged_in(owner).get(reverse("devservers:detail", args=[devserver.pk])).status_code == 200
    assert logged_in(outsider).get(reverse("devservers:detail", args=[devserver.pk])).status_code == 404


def test_an_imported_server_is_acted_on_by_admins_and_then_by_the_owner_they_assign(
    two_teams, owner, teammate, account
):
    vision, _speech = two_teams
    Membership.objects.create(team=vision, user=teammate, role=Membership.Role.ADMIN)
    imported = make_devserver(None, account, team=vision, name="found", cloud_id="c-9", is_imported=True)
    member, admin = logged_in(owner), logged_in(teammate)

    assert (
        'data-action="stop"'
        not in member.get(reverse("devservers:detail", args=[imported.pk])).content.decode()
    )
    assert (
        'data-action="stop"' in admin.get(reverse("devservers:detail", args=[imported.pk])).content.decode()
    )
    admin.post(reverse("devservers:assign-owner", args=[imported.pk]), {"owner": owner.pk})

    imported.refresh_from_db()
    assert imported.owner == owner
    assert (
        'data-action="stop"' in member.get(reverse("devservers:detail", args=[imported.pk])).content.decode()
    )


def test_only_team_admins_are_offered_the_review_and_audit_pages(two_teams, owner, teammate):
    vision, _speech = two_teams
    Membership.objects.create(team=vision, user=teammate, role=Membership.Role.ADMIN)

    member_page = logged_in(owner).get(reverse("devservers:list")).content.decode()
    admin_page = logged_in(teammate).get(reverse("devservers:list")).content.decode()

    assert reverse("devservers:review") not in member_page and reverse("devservers:audit") not in member_page
    assert reverse("devservers:review") in admin_page and reverse("devservers:audit") in admin_page
