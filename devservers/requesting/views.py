"""The request form and its fragments, and a team admin's decision on a held-back request."""

import base64
import binascii
import time
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from devservers import catalog, selectors, tasks
from devservers.models import REJECTED, CloudAccount, DevServer, Team
from devservers.navigation import safe_next
from devservers.requesting import extras, rules
from devservers.requesting import services as requesting
from devservers.requesting.forms import DevServerRequestForm
from devservers.schedules.forms import ScheduleForm

# How long a page waits for the worker to bring the catalogue before it says the cloud is slow.
CATALOG_WAIT_SECONDS = 20
CATALOG_ASK_SECONDS = 30

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
    # A refused request is sent again under its own name; a copy of a live server needs a free one.
    initial["name"] = source.name if source.status == REJECTED else f"{source.name}-copy"[:64]
    initial["count"] = 1
    initial["userdata_script"] = _decoded_userdata(source.userdata)
    return initial, source


def _decoded_userdata(encoded: str) -> str:
    try:
        return base64.b64decode(encoded).decode("utf-8") if encoded else ""
    except (binascii.Error, UnicodeDecodeError):
        return ""


def _form_page(
    request: HttpRequest,
    form: DevServerRequestForm,
    account: CloudAccount,
    status: int = 200,
    schedule_form: ScheduleForm | None = None,
):
    shown = form.shown_flavors()
    context = {
        "form": form,
        "account": account,
        "accounts": selectors.accounts_for(request.user, form.team),
        "team": form.team,
        "teams": selectors.teams_of(request.user),
        "password_checks": rules.password_checks(""),
        "flavor_rows": shown,
        "flavor_prices": extras.flavor_prices(account, shown),
        "estimate": extras.estimate_for(account, request.POST if form.is_bound else _initial_query(form)),
        "schedule_form": schedule_form
        or extras.schedule_form(account=account, team=form.team, user=request.user),
        "schedule_rules": extras.accelerator_rules(form.team),
    }
    return render(request, "devservers/create.html", context, status=status)


def _initial_query(form: DevServerRequestForm) -> QueryDict:
    """The unbound form's choices, as the estimate reads a request's."""
    query = QueryDict(mutable=True)
    query.update({name: str(value) for name, value in form.initial.items() if value is not None})
    return query


def _ask_for_the_catalog(account_id: int) -> None:
    """Once per little while per account, however many pages wait for it."""
    if cache.add(f"catalog-asked:{account_id}", True, timeout=CATALOG_ASK_SECONDS):
        tasks.refresh_catalog.delay(account_id)


def _seconds_waited(request: HttpRequest) -> tuple[int, int]:
    """When this page first found the catalogue missing (kept in its poll URL), and how long ago."""
    now = int(time.time())
    since = request.GET.get("since", "")
    started = int(since) if since.isdigit() and int(since) <= now else now
    return started, now - started


def _catalog_loading(request: HttpRequest, not_ready: catalog.CatalogNotReady) -> HttpResponse:
    """The choices are not in the cache yet: say so at once, ask the worker, and poll until they are."""
    _ask_for_the_catalog(not_ready.account_id)
    if request.method == "POST":
        return render(request, "devservers/catalog_loading.html", {"lost_post": True}, status=503)
    started, waited = _seconds_waited(request)
    query = request.GET.copy()
    query["since"] = str(started)
    context = {"poll_url": f"{request.path}?{query.urlencode()}", "gave_up": waited > CATALOG_WAIT_SECONDS}
    if request.htmx:
        # htmx stops polling on 286: past the wait, the page says so and a reload starts over.
        status = 286 if context["gave_up"] else 200
        return render(request, "devservers/catalog_loading.html#loading", context, status=status)
    return render(request, "devservers/catalog_loading.html", context)


def _reload_when_ready(request: HttpRequest) -> HttpResponse | None:
    """A poll of the loading page, once the choices are in: the whole page reloads into the form."""
    if request.htmx and request.GET.get("since"):
        return HttpResponse(headers={"HX-Refresh": "true"})
    return None


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
            if catalog.is_loaded(account) and (reload := _reload_when_ready(request)):
                return reload
            initial, source = _resubmit_initial(request)
            form = DevServerRequestForm(initial=initial, account=account, **form_context)
            if source is not None and source.error_code:
                form.add_cloud_refusal(error_code=source.error_code, error_msg=source.error_msg)
            return _form_page(request, form, account)
        if "refresh_choices" in request.POST:
            # Without JavaScript: the dependent lists (images, subnets) refilled for the choices, nothing checked yet.
            fields = [name for name in DevServerRequestForm.base_fields if name in request.POST]
            initial = {name: request.POST.get(name) for name in fields}
            refreshed = DevServerRequestForm(initial=initial, account=account, **form_context)
            return _form_page(request, refreshed, account)
        form = DevServerRequestForm(request.POST, account=account, **form_context)
        schedule_form = extras.schedule_form(account=account, team=team, user=request.user, data=request.POST)
        # `&`, not `and`: both forms validate, so each shows its own errors.
        if not (form.is_valid() & schedule_form.is_valid()):
            status = 422 if request.htmx else 200
            return _form_page(request, form, account, status=status, schedule_form=schedule_form)
        try:
            rows = requesting.devserver_request(
                owner=request.user,
                account=account,
                team=team,
                spec=extras.with_schedule(form.to_spec(), schedule_form),
                admin_pass=form.cleaned_data["admin_pass"],
                approval_reasons=form.approval_reasons,
            )
        except IntegrityError:
            form.add_error("name", _("This name was just taken by another request; choose another."))
            return _form_page(request, form, account, schedule_form=schedule_form)
    except catalog.CatalogNotReady as not_ready:
        return _catalog_loading(request, not_ready)
    waiting = (
        " " + _("It waits for a team admin's approval (%(reasons)s).") % {"reasons": ", ".join(form.approval_reasons)}
        if form.approval_reasons
        else ""
    )
    requested = ngettext("Requested %(count)s server: %(names)s.", "Requested %(count)s servers: %(names)s.", len(rows))
    messages.success(request, requested % {"count": len(rows), "names": ", ".join(row.name for row in rows)} + waiting)
    return (
        redirect("devservers:detail", devserver_id=rows[0].pk)
        if len(rows) == 1
        else redirect("devservers:list")
    )


def _reload_on_a_cold_catalog(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A fragment asked for while the catalogue is not cached: the page reloads into its "loading
    choices" state, and the worker is asked for the catalogue."""

    @wraps(view)
    def fragment(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except catalog.CatalogNotReady as not_ready:
            _ask_for_the_catalog(not_ready.account_id)
            return HttpResponse(headers={"HX-Refresh": "true"})

    return fragment


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
@_reload_on_a_cold_catalog
def create_flavors(request: HttpRequest) -> HttpResponse:
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
    context = {
        "form": form,
        "flavor_rows": shown,
        "flavor_prices": extras.flavor_prices(form.account, shown),
    }
    return render(request, "devservers/create.html#flavors", context)


@login_required
@require_GET
@_reload_on_a_cold_catalog
def create_images(request: HttpRequest) -> HttpResponse:
    built = _fragment_form(request)
    if built is None:
        return HttpResponse(status=404)
    form, _account = built
    return render(request, "devservers/create.html#images", {"form": form})


@login_required
@require_GET
@_reload_on_a_cold_catalog
def create_network(request: HttpRequest) -> HttpResponse:
    built = _fragment_form(request)
    if built is None:
        return HttpResponse(status=404)
    form, _account = built
    return render(request, "devservers/create.html#network", {"form": form})


@login_required
@require_GET
def create_estimate(request: HttpRequest) -> HttpResponse:
    """The estimate beside the submit button, for the flavor, count and billing chosen so far."""
    _team, account = _team_and_account(request)
    if account is None:
        return HttpResponse(status=404)
    try:
        estimate = extras.estimate_for(account, request.GET)
    except catalog.CatalogNotReady as not_ready:
        _ask_for_the_catalog(not_ready.account_id)
        estimate = None
    return render(request, "devservers/create.html#estimate", {"estimate": estimate})


@login_required
@require_http_methods(["POST"])
def devserver_decide(request: HttpRequest, devserver_id: int) -> HttpResponse:
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    if not selectors.is_team_admin(request.user, devserver.team):
        return HttpResponse(_("Only a team admin can approve or decline."), status=403)
    decision = request.POST.get("decision")
    if decision == "approve":
        done = requesting.approve_request(devserver_id=devserver.pk, actor=request.user)
        message = _("Approved %(name)s; it is being submitted.") % {"name": devserver.name}
    elif decision == "decline":
        reason = request.POST.get("reason", "").strip()
        if not reason:
            messages.error(request, _("Say why the request is declined; the requester sees the reason."))
            return redirect(safe_next(request) or reverse("devservers:detail", args=[devserver.pk]))
        done = requesting.decline_request(devserver_id=devserver.pk, actor=request.user, reason=reason)
        message = _("Declined %(name)s.") % {"name": devserver.name}
    else:
        return HttpResponse(_("Unknown decision."), status=400)
    if done:
        messages.success(request, message)
    else:
        messages.error(request, _("%(name)s was no longer awaiting approval.") % {"name": devserver.name})
    return redirect(safe_next(request) or reverse("devservers:detail", args=[devserver.pk]))
