"""Servers the cloud holds and no row does (made in the console, by a script, by another user)
become rows marked imported; a team admin then gives each an owner."""

import logging
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from devservers import catalog, live
from devservers.history import audit, record_event
from devservers.models import FINAL_STATUSES, CloudAccount, DevServer, DevServerEvent, Team
from devservers.provisioning.follow import snapshot_fields
from modelarts_client import CloudError
from modelarts_client import DevServer as CloudServer
from modelarts_client import statuses as cloud_statuses

logger = logging.getLogger(__name__)

IMPORTED_NOTE = "Imported: found in the cloud, not created here"
# A server the cloud lists without a status; the next snapshot replaces it.
UNKNOWN_CLOUD_STATUS = "UNKNOWN"


def import_unknown_servers(*, account: CloudAccount, servers: list[CloudServer]) -> list[DevServer]:
    """Servers of the account that no row holds (made in the console, by a script, by another user)
    become rows marked imported, owned by nobody until a team admin assigns an owner."""
    live_servers = [server for server in servers if server.id and server.status != cloud_statuses.DELETED]
    known_ids = set(
        DevServer.objects.filter(
            account=account, cloud_id__in=[server.id for server in live_servers]
        ).values_list("cloud_id", flat=True)
    )
    unknown = [server for server in live_servers if server.id not in known_ids]
    if not unknown:
        return []
    try:
        if not catalog.is_loaded(account):
            catalog.refresh(account)
        flavors_by_name = {flavor.name: flavor for flavor in catalog.flavors(account)}
    except CloudError as error:
        # Imported without the catalogue, a server would count no accelerators; the next reconcile tries again.
        logger.warning(
            "Import of servers of account %s waits for the flavor catalogue: %s", account.pk, error
        )
        return []
    team = _sole_team(account)
    imported = []
    for server in unknown:
        flavor = flavors_by_name.get(server.flavor)
        devserver = _import_server(
            account=account,
            team=team,
            server=server,
            accelerator_count=flavor.accelerator_count if flavor else 0,
        )
        if devserver is not None:
            imported.append(devserver)
    return imported


def _sole_team(account: CloudAccount) -> Team | None:
    """With several teams on one account nobody can tell whose a server is: only superusers see it."""
    teams = list(account.teams.all()[:2])
    return teams[0] if len(teams) == 1 else None


def _held_by_a_row(account: CloudAccount, *, cloud_id: str, name: str) -> bool:
    """A row holds the id, or a live row holds the name: a request before the cloud answered, or
    whose answer was lost, which the create flow adopts itself. One query, so a row storing its id
    between two reads cannot slip through."""
    return (
        DevServer.objects.filter(account=account)
        .filter(Q(cloud_id=cloud_id) | (Q(name=name) & ~Q(status__in=list(FINAL_STATUSES))))
        .exists()
    )


def _import_server(
    *, account: CloudAccount, team: Team | None, server: CloudServer, accelerator_count: int
) -> DevServer | None:
    fields = _imported_fields(server)
    try:
        with transaction.atomic():
            if _held_by_a_row(account, cloud_id=fields["cloud_id"], name=fields["name"]):
                return None
            devserver = DevServer(
                account=account, team=team, owner=None, is_imported=True, accelerator_count=accelerator_count
            )
            for name, value in fields.items():
                setattr(devserver, name, value)
            for name, value in snapshot_fields(devserver, server).items():
                setattr(devserver, name, value)
            devserver.save()
            record_event(devserver, kind=DevServerEvent.Kind.NOTE, message=IMPORTED_NOTE)
            audit(
                actor=None,
                action="import",
                devserver=devserver,
                outcome="ok",
                detail=f"{devserver.name} ({devserver.cloud_id}), {devserver.status} in the cloud; owner unknown",
            )
            live.bump_after_commit(live.scopes_of(devserver))
    except IntegrityError:
        # A concurrent reconcile imported it, or a request took the name, after the look-up:
        # the live-name constraint refused this copy.
        if _held_by_a_row(account, cloud_id=fields["cloud_id"], name=fields["name"]):
            return None
        raise
    return devserver


def _imported_fields(server: CloudServer) -> dict[str, object]:
    """What the cloud tells about a server; the security group and the password it does not tell."""
    image = server.image
    root_volume = next((volume for volume in server.volumes if (volume.type or "").upper() == "ROOT"), None)
    texts = {
        "cloud_id": server.id,
        "name": server.name or server.id,
        "status": server.status or UNKNOWN_CLOUD_STATUS,
        "flavor": server.flavor,
        "image_id": image.image_id if image else None,
        "image_name": image.name if image else None,
        "arch": server.arch,
        "server_type": server.server_type,
        "vpc_id": server.vpc_id,
        "subnet_id": server.subnet_id,
        "key_pair_name": server.key_pair_name,
        "charging_mode": server.charging_mode or "POST_PAID",
        "root_volume_type": root_volume.evs_type if root_volume else None,
    }
    fields: dict[str, object] = {name: _fitted(name, value) for name, value in texts.items()}
    fields["security_group_id"] = ""
    fields["login_method"] = (
        DevServer.LoginMethod.KEY_PAIR if server.key_pair_name else DevServer.LoginMethod.PASSWORD
    )
    fields["root_volume_size"] = root_volume.size if root_volume else None
    fields["created_at"] = _cloud_time(server.create_at) or timezone.now()
    # When the row learnt the cloud id, as for a create; a reconcile that listed earlier must not mark it gone.
    fields["submitted_at"] = timezone.now()
    return fields


def _fitted(field_name: str, value: str | None) -> str:
    """The cloud's text cut to its column, so one odd value cannot stop every later reconcile."""
    return (value or "")[: DevServer._meta.get_field(field_name).max_length]


def _cloud_time(milliseconds: int | None) -> datetime | None:
    if milliseconds is None:
        return None
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def assign_owner(*, devserver_id: int, owner: AbstractBaseUser, actor: AbstractBaseUser) -> DevServer:
    """Give an imported server its owner; the caller has checked the actor's right and the owner's team."""
    with transaction.atomic():
        devserver = DevServer.objects.select_for_update().get(pk=devserver_id)
        previous_owner_id = devserver.owner_id
        devserver.owner = owner
        devserver.save(update_fields=["owner", "updated_at"])
        record_event(
            devserver,
            kind=DevServerEvent.Kind.NOTE,
            message=f"Owner set to {owner.get_username()} by {actor.get_username()}.",
        )
        audit(
            actor=actor,
            action="assign_owner",
            devserver=devserver,
            outcome="ok",
            detail=f"assigned to {owner.get_username()}",
        )
        scopes = live.scopes_of(devserver)
        if previous_owner_id is not None and previous_owner_id != owner.pk:
            scopes.append(live.owner_scope(previous_owner_id))
        live.bump_after_commit(scopes)
    return devserver
