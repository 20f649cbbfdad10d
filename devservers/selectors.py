"""Every read the pages make."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from devservers.models import CHANGING_STATUSES, CloudAccount, DevServer, DevServerEvent


def devservers_visible_to(user: AbstractBaseUser) -> QuerySet[DevServer]:
    return DevServer.objects.filter(owner=user).select_related("owner", "account")


def devserver_for_user(user: AbstractBaseUser, devserver_id: int) -> DevServer:
    return get_object_or_404(devservers_visible_to(user), pk=devserver_id)


def status_totals(devservers: QuerySet[DevServer]) -> dict[str, int]:
    return devservers.aggregate(
        total=Count("pk"),
        running=Count("pk", filter=Q(status="RUNNING")),
        changing=Count("pk", filter=Q(status__in=list(CHANGING_STATUSES))),
    )


def events_for(devserver: DevServer) -> QuerySet[DevServerEvent]:
    return devserver.events.order_by("-created_at", "-id")


def account_for_requests(account_id: str | None = None) -> CloudAccount | None:
    accounts = CloudAccount.objects.filter(is_active=True)
    if account_id:
        return accounts.filter(pk=account_id).first()
    return accounts.first()


def active_accounts() -> QuerySet[CloudAccount]:
    return CloudAccount.objects.filter(is_active=True)


def live_name_taken(account: CloudAccount, names: list[str]) -> list[str]:
    return list(
        DevServer.objects.filter(account=account, name__in=names)
        .exclude(status__in=["REJECTED", "DELETED"])
        .values_list("name", flat=True)
    )
