"""The request form and its fragments, and a team admin's decision on a held-back request."""

import base64
import binascii

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from devservers import selectors
from devservers.models import CloudAccount, DevServer, Team
from devservers.navigation import safe_next
from devservers.requesting import rules
from devservers.requesting import services as requesting
from devservers.requesting.forms import DevServerRequestForm
from modelarts_client import CloudError

# Form fields a failed request can be resubmitted with (everything but the password).
RESUBMIT_FIELDS = (
    "server_type", "arch", "flavor", "image_id", "availability_zone", "vpc_id", "subnet_id",
    "security_group_id", "ipv6_enable", "roce_id", "login_method", "key_pair_name", "root_volume_type",
    "root_volume_size", "data_volume_type", "data_volume_size", "data_volume_count", "charging_mode",
    "period_type", "period_num", "is_auto_renew", "is_auto_pay",
    "enterprise_project_id",
)  # fmt: skip


def _resubmit_initial(request: HttpRequest) -> tuple[dict, DevServer | None]:
    source_id = request.GET.get("from", "")
    if not source_id.isdigit():
        return {}, None
    source = selectors.devservers_visible_to(request.user).filter(pk=int(source_id)).first()
    if source is None:
        return {}, None
    initial = {field: getattr(source, field) for field in RESUBMIT_FIELDS}
    initial["name"] = source.name
    initial["count"] = 1
    initial["userdata_script"] = _decoded_userdata(source.userdata)
    return initial, source


def _decoded_userdata(encoded: str) -> str:
    try:
        return base64.b64decode(encoded).decode("utf-8") if encoded else ""
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _form_page(request: HttpRequest, form: DevServerRequestForm, account: CloudAccount, status: int = 200):
    context = {
        "form": form,
        "account": account,
        "accounts": selectors.accounts_for(request.user, form.team),
        "team": form.team,
        "teams": selectors.teams_of(request.user),
        "password_checks": rules.password_checks(""),
        "flavor_rows": form.shown_flavors(),
    }
    return render(request, "devservers/create.html", context, status=status)


def _cloud_unavailable(request: HttpRequest, error: CloudError) -> HttpResponse:
    return render(request, "devservers/cloud_unavailable.html", {"error": error}, status=503)


def _team_and_account(request: HttpRequest) -> tuple[Team | None, CloudAccount | None]:
    """The team a request is for (asked when the user has several) and the account it uses."""
    params = request.POST if request.method == "POST" else request.GET
    teams = selectors.teams_of(request.user)
    team_id = params.get("team", "")
    # A team the user is not in (a tampered form) falls back to their first team, never to its account.
    team = (teams.filter(pk=team_id).first() if team_id.isdigit() else None) or teams.first()
    accounts = selectors.accounts_for(request.user, team)
    account_id = params.get("account", "")
    account = accounts.filter(pk=account_id).first() if account_id.isdigit() else None
    return team, account or accounts.first()


@sensitive_post_parameters("admin_pass", "admin_pass_confirm")
@login_required
@require_http_methods(["GET", "POST"])
def devserver_create(request: HttpRequest) -> HttpResponse:
    team, account = _team_and_account(request)
    if account is None:
        return render(request, "devservers/no_account.html", status=200)
    form_context = {"team": team, "user": request.user}
    try:
        if request.method == "GET":
            initial, source = _resubmit_initial(request)
            form = DevServerRequestForm(initial=initial, account=account, **form_context)
            if source is not None and source.error_code:
                form.add_cloud_refusal(error_code=source.error_code, error_msg=source.error_msg)
            return _form_page(request, form, account)
        form = DevServerRequestForm(request.POST, account=account, **form_context)
        if not form.is_valid():
            return _form_page(request, form, account, status=422 if request.htmx else 200)
        try:
            rows = requesting.devserver_request(
                owner=request.user,
                account=account,
                team=team,
                spec=form.to_spec(),
                admin_pass=form.cleaned_data["admin_pass"],
                approval_reasons=form.approval_reasons,
            )
        except IntegrityError:
            form.add_error("name", "This name was just taken by another request; choose another.")
            return _form_page(request, form, account)
    except CloudError as error:
        return _cloud_unavailable(request, error)
    noun = "server" if len(rows) == 1 else "servers"
    waiting = (
        f" It waits for a team admin's approval ({', '.join(form.approval_reasons)})."
        if form.approval_reasons
        else ""
    )
    messages.success(
        request, f"Requested {len(rows)} {noun}: {', '.join(row.name for row in rows)}.{waiting}"
    )
    return (
        redirect("devservers:detail", devserver_id=rows[0].pk)
        if len(rows) == 1
        else redirect("devservers:list")
    )


def _fragment_form(request: HttpRequest) -> tuple[DevServerRequestForm, CloudAccount] | None:
    team, account = _team_and_account(request)
    if account is None:
        return None
    # Unbound: a fragment refills choices from what was picked so far; it must not show errors
    # for fields the user has not reached yet.
    form = DevServerRequestForm(initial=request.GET.dict(), account=account, team=team, user=request.user)
    return form, account


@login_required
@require_GET
def create_flavors(request: HttpRequest) -> HttpResponse:
    try:
        built = _fragment_form(request)
        if built is None:
            return HttpResponse(status=404)
        form, _account = built
        shown = form.shown_flavors()
        if form.initial.get("flavor") not in {flavor.name for flavor in shown}:
            # The chosen flavor is not of this type or architecture: forget it and its image.
            form.initial.pop("flavor", None)
            form.initial.pop("image_id", None)
            form.fill_choices()
        return render(request, "devservers/create.html#flavors", {"form": form, "flavor_rows": shown})
    except CloudError as error:
        return _cloud_unavailable(request, error)


@login_required
@require_GET
def create_images(request: HttpRequest) -> HttpResponse:
    try:
        built = _fragment_form(request)
        if built is None:
            return HttpResponse(status=404)
        form, _account = built
        return render(request, "devservers/create.html#images", {"form": form})
    except CloudError as error:
        return _cloud_unavailable(request, error)


@login_required
@require_GET
def create_network(request: HttpRequest) -> HttpResponse:
    try:
        built = _fragment_form(request)
        if built is None:
            return HttpResponse(status=404)
        form, _account = built
        return render(request, "devservers/create.html#network", {"form": form})
    except CloudError as error:
        return _cloud_unavailable(request, error)


@login_required
@require_http_methods(["POST"])
def devserver_decide(request: HttpRequest, devserver_id: int) -> HttpResponse:
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    if not selectors.is_team_admin(request.user, devserver.team):
        return HttpResponse("Only a team admin can approve or decline.", status=403)
    decision = request.POST.get("decision")
    if decision == "approve":
        done = requesting.approve_request(devserver_id=devserver.pk, actor=request.user)
        message = f"Approved {devserver.name}; it is being submitted."
    elif decision == "decline":
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, "Say why the request is declined; the requester sees the reason.")
            return redirect(safe_next(request) or reverse("devservers:detail", args=[devserver.pk]))
        done = requesting.decline_request(devserver_id=devserver.pk, actor=request.user, reason=reason)
        message = f"Declined {devserver.name}."
    else:
        return HttpResponse("Unknown decision.", status=400)
    if done:
        messages.success(request, message)
    else:
        messages.error(request, f"{devserver.name} was no longer awaiting approval.")
    return redirect(safe_next(request) or reverse("devservers:detail", args=[devserver.pk]))
