"""Notification mail goes through the worker: a web request never waits on the mail server.

A status change queues the notice after its transaction commits; only the row's id and the kind of
notice cross the broker, and the worker reads the row as it is then. Unrouted, the task waits in
the default queue every worker consumes.
"""

from celery import shared_task
from django.db import transaction

from devservers.models import DevServer
from devservers.notifications import mail


@shared_task
def send_status_notice(devserver_id: int, kind: str) -> None:
    mail.send_for(devserver_id, kind)


def status_changed(devserver: DevServer, *, status_from: str, status_to: str) -> None:
    """Tell whoever wants to know, once the change is committed (robust: a broker that is down
    is logged, never the reason a status change fails)."""
    kind = mail.kind_of_change(status_from, status_to)
    if kind is None:
        return
    devserver_id = devserver.pk
    transaction.on_commit(lambda: send_status_notice.delay(devserver_id, kind), robust=True)
