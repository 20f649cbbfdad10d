"""Thin views: check access, call a selector or a service, pick the page or the fragment."""

import base64
import binascii

from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from devservers import live, rules, selectors, services
from devservers.forms import DevServerRequestForm
from devservers.models import CloudAccount, DevServer
from modelarts_client import CloudError

# Form fields a failed request can be resubmitted with (everything but the password).
RESUBMIT_FIELDS = (
    "server_type", "arch", "flavor", "image_id", "availability_zone", "vpc_id", "subnet_id",
    "security_group_id", "ipv6_enable", "roce_id", "login_method", "key_pair_name", "root_volume_type",
    "root_volume_size", "charging_mode", "period_type", "period_num", "is_auto_renew", "is_auto_pay",
    "enterprise_project_id",
)  # fmt: skip


def _session_user_id(request: HttpRequest) -> int | None:
    """The logged-in user's id from the Redis session, without loading the user from the database."""
    value = request.session.get(SESSION_KEY)
    return int(value) if value is not None else None


def _unchanged_since(request: HttpRequest, scope_for_user) -> bool:
    token = request.GET.get("v", "")
    user_id = _session_user_id(request)
    if not token or user_id is None:
        return False
    return live.token_is_current(user_id=user_id, scope=scope_for_user(user_id), token=token)


def _token(request: HttpRequest, scope: str) -> str:
    return live.view_token(user_id=request.user.pk, scope=scope, version=live.current_version(scope))


# The list ---------------------------------------------------------------------------------------


def _list_context(request: HttpRequest) -> dict:
    scope = live.owner_scope(request.user.pk)
    token = _token(request, scope)  # read before the rows, so a change in between shows up next poll
    devservers = selectors.devservers_visible_to(request.user)
    return {"devservers": devservers, "totals": selectors.status_totals(devservers), "live_token": token}


@login_required
@require_GET
def devserver_list(request: HttpRequest) -> HttpResponse:
    return render(request, "devservers/list.html", _list_context(request))


@require_GET
def devserver_rows(request: HttpRequest) -> HttpResponse:
    if _unchanged_since(request, live.owner_scope):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        return HttpResponseClientRedirect(reverse("login"))
    return render(request, "devservers/list.html#rows", _list_context(request))


# The detail page -----------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, devserver_id: int) -> dict:
    token = _token(request, live.devserver_scope(devserver_id))
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    return {"devserver": devserver, "events": selectors.events_for(devserver), "live_token": token}


@login_required
@require_GET
def devserver_detail(request: HttpRequest, devserver_id: int) -> HttpResponse:
    return render(request, "devservers/detail.html", _detail_context(request, devserver_id))


@require_GET
def devserver_panel(request: HttpRequest, devserver_id: int) -> HttpResponse:
    if _unchanged_since(request, lambda _user_id: live.devserver_scope(devserver_id)):
        return HttpResponse(status=204)
    if not request.user.is_authenticated:
        return HttpResponseClientRedirect(reverse("login"))
    return render(request, "devservers/detail.html#panel", _detail_context(request, devserver_id))


# The request form ---------------------------------------------------------------------------------


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
        "accounts": selectors.active_accounts(),
        "password_checks": rules.password_checks(""),
        "flavor_rows": _flavor_rows(form),
    }
    return render(request, "devservers/create.html", context, status=status)


def _flavor_rows(form: DevServerRequestForm) -> list:
    server_type = _current(form, "server_type") or "ECS"
    arch = _current(form, "arch") or "X86"
    return [
        flavor for flavor in form.flavor_rows if flavor.server_type == server_type and flavor.arch == arch
    ]


def _current(form: DevServerRequestForm, name: str) -> str:
    if form.is_bound:
        return str(form.data.get(name, "") or "")
    return str(form.initial.get(name) or form.fields[name].initial or "")


def _cloud_unavailable(request: HttpRequest, error: CloudError) -> HttpResponse:
    return render(request, "devservers/cloud_unavailable.html", {"error": error}, status=503)


@login_required
@require_http_methods(["GET", "POST"])
def devserver_create(request: HttpRequest) -> HttpResponse:
    account = selectors.account_for_requests(request.POST.get("account") or request.GET.get("account"))
    if account is None:
        return render(request, "devservers/no_account.html", status=200)
    try:
        if request.method == "GET":
            initial, source = _resubmit_initial(request)
            form = DevServerRequestForm(initial=initial, account=account)
            if source is not None and source.error_code:
                form.add_cloud_refusal(error_code=source.error_code, error_msg=source.error_msg)
            return _form_page(request, form, account)
        form = DevServerRequestForm(request.POST, account=account)
        if not form.is_valid():
            return _form_page(request, form, account, status=422 if request.htmx else 200)
        try:
            rows = services.devserver_request(
                owner=request.user,
                account=account,
                spec=form.to_spec(),
                admin_password=form.cleaned_data["admin_pass"],
            )
        except IntegrityError:
            form.add_error("name", "This name was just taken by another request; choose another.")
            return _form_page(request, form, account)
    except CloudError as error:
        return _cloud_unavailable(request, error)
    noun = "server" if len(rows) == 1 else "servers"
    messages.success(request, f"Requested {len(rows)} {noun}: {', '.join(row.name for row in rows)}.")
    return (
        redirect("devservers:detail", devserver_id=rows[0].pk)
        if len(rows) == 1
        else redirect("devservers:list")
    )


# Fragments that fill the form's dependent choices -------------------------------------------------------


def _fragment_form(request: HttpRequest) -> tuple[DevServerRequestForm, CloudAccount] | None:
    account = selectors.account_for_requests(request.GET.get("account"))
    if account is None:
        return None
    return DevServerRequestForm(request.GET, account=account), account


@login_required
@require_GET
def create_flavors(request: HttpRequest) -> HttpResponse:
    try:
        built = _fragment_form(request)
        if built is None:
            return HttpResponse(status=404)
        form, _account = built
        return render(
            request, "devservers/create.html#flavors", {"form": form, "flavor_rows": _flavor_rows(form)}
        )
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
