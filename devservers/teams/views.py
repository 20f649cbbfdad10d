"""Team admins manage their teams' members and roles in the app; members read them."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from devservers import selectors
from devservers.models import Membership, Team
from devservers.teams import selectors as team_selectors
from devservers.teams import services as team_services
from devservers.teams.forms import AddMemberForm, ChangeRoleForm, RemoveMemberForm


@login_required
@require_GET
def team_list(request: HttpRequest) -> HttpResponse:
    return render(request, "devservers/teams.html", {"teams": team_selectors.teams_for_page(request.user)})


@dataclass(frozen=True)
class MemberRow:
    membership: Membership
    is_only_admin: bool
    error: str


def _team_context(
    request: HttpRequest,
    team: Team,
    *,
    add_form: AddMemberForm | None = None,
    row_errors: dict[int, str] | None = None,
    notice: str = "",
    problem: str = "",
) -> dict:
    memberships = list(team_selectors.memberships_of(team))
    admin_count = sum(membership.role == Membership.Role.ADMIN for membership in memberships)
    errors = row_errors or {}
    return {
        "team": team,
        "can_manage": selectors.is_team_admin(request.user, team),
        "rows": [
            MemberRow(
                membership=membership,
                is_only_admin=membership.role == Membership.Role.ADMIN and admin_count == 1,
                error=errors.get(membership.pk, ""),
            )
            for membership in memberships
        ],
        "roles": Membership.Role.choices,
        "add_form": add_form or AddMemberForm(team=team),
        "policy_lines": team_selectors.policy_lines(team),
        "notice": notice,
        "problem": problem,
    }


def _members_answer(
    request: HttpRequest, team: Team, *, status: int = 200, **context: object
) -> HttpResponse:
    """The member table alone for HTMX, the whole page otherwise."""
    template = "devservers/team_detail.html#members" if request.htmx else "devservers/team_detail.html"
    return render(request, template, _team_context(request, team, **context), status=status)


def _changed(request: HttpRequest, team: Team, message: str) -> HttpResponse:
    still_visible = request.user.is_superuser or team.memberships.filter(user=request.user).exists()
    if not still_visible:
        # The admin took themselves out of the team: the team page is no longer theirs to see.
        messages.success(request, message)
        target = reverse("devservers:teams")
        return HttpResponseClientRedirect(target) if request.htmx else redirect(target)
    if request.htmx:
        return _members_answer(request, team, notice=message)
    messages.success(request, message)
    return redirect("devservers:team-detail", team_id=team.pk)


def _add_member(request: HttpRequest, team: Team) -> HttpResponse:
    form = AddMemberForm(request.POST, team=team)
    if form.is_valid():
        role = form.cleaned_data["role"]
        try:
            team_services.add_member(actor=request.user, team=team, user=form.user, role=role)
        except team_services.AlreadyMember as refusal:
            form.add_error("username", str(refusal))
        else:
            name = form.user.get_username()
            return _changed(
                request, team, _("Added %(name)s to %(team)s as %(role)s.") % {"name": name, "team": team, "role": str(Membership.Role(role).label).lower()}
            )
    return _members_answer(request, team, add_form=form)


def _change_role(request: HttpRequest, team: Team) -> HttpResponse:
    form = ChangeRoleForm(request.POST)
    if not form.is_valid():
        return _members_answer(
            request, team, status=400, problem=_("Choose a member and a role: member or admin.")
        )
    membership_id, role = form.cleaned_data["membership"], form.cleaned_data["role"]
    try:
        membership = team_services.change_role(
            actor=request.user, membership_id=membership_id, team=team, role=role
        )
    except team_services.LastAdmin as refusal:
        return _members_answer(request, team, row_errors={membership_id: str(refusal)})
    except team_services.NotAMember as refusal:
        return _members_answer(request, team, problem=str(refusal))
    name = membership.user.get_username()
    return _changed(request, team, _("%(name)s is now %(role)s.") % {"name": name, "role": str(Membership.Role(role).label).lower()})


def _remove_member(request: HttpRequest, team: Team) -> HttpResponse:
    form = RemoveMemberForm(request.POST)
    if not form.is_valid():
        return _members_answer(request, team, status=400, problem=_("Choose the member to remove."))
    membership_id = form.cleaned_data["membership"]
    try:
        user = team_services.remove_member(actor=request.user, membership_id=membership_id, team=team)
    except team_services.LastAdmin as refusal:
        return _members_answer(request, team, row_errors={membership_id: str(refusal)})
    except team_services.NotAMember as refusal:
        return _members_answer(request, team, problem=str(refusal))
    return _changed(request, team, _("Removed %(name)s from %(team)s.") % {"name": user.get_username(), "team": team})


_CHANGES: dict[str, Callable[[HttpRequest, Team], HttpResponse]] = {
    "add": _add_member,
    "role": _change_role,
    "remove": _remove_member,
}


@login_required
@require_http_methods(["GET", "POST"])
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_selectors.team_for_member(request.user, team_id)
    if request.method == "GET":
        return _members_answer(request, team)
    if not selectors.is_team_admin(request.user, team):
        return HttpResponse(_("Only a team admin can change the team's members."), status=403)
    change = _CHANGES.get(request.POST.get("op", ""))
    if change is None:
        return _members_answer(request, team, status=400, problem=_("Unknown change."))
    return change(request, team)
