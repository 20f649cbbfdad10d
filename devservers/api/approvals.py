"""/approvals (the team admin's queue, approve, decline) and /audit (the audit trail)."""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from devservers import selectors
from devservers.api.errors import refused
from devservers.api.paging import DEFAULT_LIMIT, page_of
from devservers.api.schemas import AuditPage, Decline, Errors, InstanceDetail, InstancePage
from devservers.models import DevServer
from devservers.requesting import services as requesting

router = Router(tags=["approvals and audit"])


class Paging(Schema):
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


@router.get(
    "/approvals",
    response=InstancePage,
    summary="Requests awaiting your approval, oldest first, a page at a time",
    operation_id="approval_queue",
)
def approval_queue(request: HttpRequest, paging: Query[Paging]) -> dict:
    items, next_cursor = page_of(
        selectors.pending_approvals(request.user), cursor=paging.cursor, limit=paging.limit, oldest_first=True
    )
    return {"items": items, "next_cursor": next_cursor}


def _decidable(request: HttpRequest, devserver_id: int) -> DevServer:
    """A request the user may decide on: 404 when they cannot see it, 403 when they are not its team's admin."""
    devserver = selectors.devserver_for_user(request.user, devserver_id)
    if not selectors.is_team_admin(request.user, devserver.team):
        raise refused("decision", _("Only a team admin can approve or decline."), status=403)
    return devserver


def _no_longer_waiting(devserver: DevServer):
    return refused("decision", f"{devserver.name} was no longer awaiting approval.", status=409)


@router.post(
    "/approvals/{devserver_id}/approve",
    response={200: InstanceDetail, 403: Errors, 409: Errors},
    operation_id="approve",
)
def approve(request: HttpRequest, devserver_id: int) -> DevServer:
    devserver = _decidable(request, devserver_id)
    if not requesting.approve_request(devserver_id=devserver.pk, actor=request.user):
        raise _no_longer_waiting(devserver)
    return selectors.devserver_for_user(request.user, devserver_id)


@router.post(
    "/approvals/{devserver_id}/decline",
    response={200: InstanceDetail, 403: Errors, 409: Errors, 422: Errors},
    operation_id="decline",
)
def decline(request: HttpRequest, devserver_id: int, body: Decline) -> DevServer:
    devserver = _decidable(request, devserver_id)
    reason = body.reason.strip()
    if not reason:
        raise refused("reason", _("Say why the request is declined; the requester sees the reason."))
    if not requesting.decline_request(devserver_id=devserver.pk, actor=request.user, reason=reason):
        raise _no_longer_waiting(devserver)
    return selectors.devserver_for_user(request.user, devserver_id)


class AuditFilters(Paging):
    action: str = ""
    devserver: int | None = None


@router.get(
    "/audit",
    response=AuditPage,
    summary="The audit trail of the teams you administer",
    operation_id="audit_trail",
)
def audit_trail(request: HttpRequest, filters: Query[AuditFilters]) -> dict:
    entries = selectors.audit_entries_for(request.user)
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.devserver is not None:
        entries = entries.filter(devserver_id=filters.devserver)
    items, next_cursor = page_of(entries, cursor=filters.cursor, limit=filters.limit)
    return {"items": items, "next_cursor": next_cursor}
