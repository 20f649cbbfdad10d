"""/instances: the list (filters and cursor paging), one with its events, a create request, the lifecycle actions."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Query, Router, Schema, Status

from devservers import selectors
from devservers.api import creating
from devservers.api.errors import refused
from devservers.api.paging import DEFAULT_LIMIT, page_of
from devservers.api.schemas import (
    ActionAccepted,
    CreateBody,
    CreatedRequest,
    Errors,
    InstanceDetail,
    InstancePage,
)
from devservers.instances.claims import request_action
from devservers.models import AWAITING_APPROVAL, CHANGING_STATUSES, FAILED_STATUSES, DevServer
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS

router = Router(tags=["instances"])

STATUS_GROUPS = {"changing": CHANGING_STATUSES, "failed": FAILED_STATUSES}
SCOPES = ("all", "team", "mine")


class InstanceFilters(Schema):
    scope: str = "all"
    q: str = ""
    status: str = ""
    team: int | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def _filtered(request: HttpRequest, filters: InstanceFilters) -> QuerySet[DevServer]:
    """The list page's filters (scope, name search, status or status group), never past what the user sees."""
    if filters.scope not in SCOPES:
        raise refused("scope", _("One of %(choices)s.") % {"choices": ", ".join(SCOPES)})
    rows = selectors.devservers_visible_to(request.user)
    if filters.scope == "mine":
        rows = rows.filter(owner=request.user)
    elif filters.scope == "team":
        rows = rows.filter(team__in=selectors.teams_of(request.user))
    if filters.team is not None:
        rows = rows.filter(team_id=filters.team)
    if filters.q:
        rows = rows.filter(name__icontains=filters.q[:64])
    if filters.status in STATUS_GROUPS:
        rows = rows.filter(status__in=list(STATUS_GROUPS[filters.status]))
    elif filters.status:
        rows = rows.filter(status=filters.status)
    return rows


@router.get("/instances", response=InstancePage, operation_id="list_instances")
def list_instances(request: HttpRequest, filters: Query[InstanceFilters]) -> dict:
    items, next_cursor = page_of(_filtered(request, filters), cursor=filters.cursor, limit=filters.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/instances/{devserver_id}", response=InstanceDetail, operation_id="get_instance")
def get_instance(request: HttpRequest, devserver_id: int) -> DevServer:
    return selectors.devserver_for_user(request.user, devserver_id)


@router.post(
    "/instances",
    response={201: CreatedRequest, 200: CreatedRequest, 400: Errors, 422: Errors},
    summary="Ask for servers (the request form's rules, the team's policy and approval)",
    operation_id="create_instances",
)
def create_instances(
    request: HttpRequest,
    body: CreateBody,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    created = creating.create_request(user=request.user, body=body, idempotency_key=idempotency_key)
    awaiting = [row for row in created.rows if row.status == AWAITING_APPROVAL]
    reasons = created.rows[0].approval_reasons if created.rows else []
    answer = {"items": created.rows, "awaiting_approval": bool(awaiting), "approval_reasons": reasons}
    return Status(200 if created.replayed else 201, answer)


@router.post(
    "/instances/{devserver_id}/{action}",
    response={202: ActionAccepted, 403: Errors, 409: Errors, 422: Errors},
    summary="Start, stop, reboot or delete",
    operation_id="act_on_instance",
)
def act_on_instance(request: HttpRequest, devserver_id: int, action: str) -> Status:
    if action not in LIFECYCLE_ACTIONS:
        raise refused("action", _("One of %(choices)s.") % {"choices": ", ".join(LIFECYCLE_ACTIONS)})
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    outcome = request_action(actor=request.user, devserver=devserver, action_name=action)
    if not outcome.accepted:
        status = 403 if not selectors.can_act_on(request.user, devserver) else 409
        raise refused("action", outcome.reason, status=status)
    return Status(202, {"id": devserver.pk, "status": outcome.devserver.status})
