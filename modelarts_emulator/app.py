"""The emulated service's state and the operations on it, free of HTTP details."""

from __future__ import annotations

import ipaddress
import itertools
import random
import secrets
import string
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from modelarts_emulator import lifecycle
from modelarts_emulator.config import DEFAULT_SERVER_QUOTA, EmulatorConfig, Identity
from modelarts_emulator.errors import ApiError, invalid_parameter, server_not_found
from modelarts_emulator.runtime import CallCounters, FaultState, LifecycleState
from modelarts_emulator.servers import ServerRecord
from modelarts_emulator.store import Store, TokenRecord
from modelarts_emulator.validation import CreateSpec

TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000
# The first addresses of a subnet are the gateway and the cloud's own services.
FIRST_SERVER_HOST_INDEX = 10


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _order_id(created_at_ms: int) -> str:
    stamp = datetime.fromtimestamp(created_at_ms / 1000, tz=UTC).strftime("%y%m%d%H%M%S")
    suffix = "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(5))
    return f"CS{stamp}{suffix}"


def _new_data_disks(spec: CreateSpec) -> list[dict[str, Any]]:
    if spec.data_volume is None:
        return []
    volume = spec.data_volume
    return [
        {"size": volume.size, "evs_type": volume.type, "evs_id": str(uuid.uuid4())}
        for _ in range(volume.count)
    ]


@dataclass(frozen=True)
class IssuedToken:
    token: str
    record: TokenRecord


class EmulatorApp:
    def __init__(self, *, config: EmulatorConfig, store: Store) -> None:
        self.config = config
        self.store = store
        self.lifecycle = LifecycleState(config.lifecycle)
        self.faults = FaultState(config.faults)
        self.counters = CallCounters()

    # --- reads that advance time ---------------------------------------------------------------

    def _apply_clock(self, records: list[ServerRecord]) -> list[ServerRecord]:
        """Save whatever the clock changed, drop the servers it made gone; the ones still visible."""
        settings = self.lifecycle.current()
        moment = now_ms()
        visible = []
        for record in records:
            if lifecycle.advance(record, settings, moment):
                self.store.save_server(record)
            if lifecycle.is_gone(record, settings, moment):
                self.store.delete_server(record.id)
            else:
                visible.append(record)
        return visible

    def visible_servers(self, project_id: str) -> list[ServerRecord]:
        """The project's servers as of now."""
        with self.store.transaction():
            return self._apply_clock(self.store.servers_in_project(project_id))

    def visible_server(self, project_id: str, server_id: str) -> ServerRecord:
        settings = self.lifecycle.current()
        moment = now_ms()
        with self.store.transaction():
            record = self.store.server(server_id)
            if record is None or record.project_id != project_id:
                raise server_not_found(server_id)
            if lifecycle.advance(record, settings, moment):
                self.store.save_server(record)
            gone = lifecycle.is_gone(record, settings, moment)
            if gone:
                self.store.delete_server(record.id)
        if gone:
            raise server_not_found(server_id)
        return record

    # --- writes ---------------------------------------------------------------------------------

    def _creation_outcome(self) -> str | None:
        faults = self.faults.current()
        if faults.stuck_creating:
            return None
        if random.random() < faults.create_failed_rate:
            return lifecycle.CREATE_FAILED
        return lifecycle.RUNNING

    def _free_addresses(self, spec: CreateSpec, project_id: str) -> list[str]:
        """The addresses after the subnet's newest server's, when free; else the lowest free ones."""
        network = ipaddress.ip_network(spec.subnet.cidr)
        first, last = network.network_address + FIRST_SERVER_HOST_INDEX, network.broadcast_address - 1
        newest = self.store.newest_address(project_id, spec.subnet.id)
        start = ipaddress.ip_address(newest) + 1 if newest else first
        following = [start + offset for offset in range(spec.count)]
        if first <= start and following[-1] <= last:
            wanted = [str(address) for address in following]
            if not self.store.addresses_taken(project_id, spec.subnet.id, wanted):
                return wanted
        return self._lowest_free_addresses(spec, project_id)

    def _lowest_free_addresses(self, spec: CreateSpec, project_id: str) -> list[str]:
        taken = self.store.addresses_in_subnet(project_id, spec.subnet.id)
        hosts = ipaddress.ip_network(spec.subnet.cidr).hosts()
        candidates = (
            str(host) for index, host in enumerate(hosts, start=1) if index >= FIRST_SERVER_HOST_INDEX
        )
        free = list(itertools.islice((address for address in candidates if address not in taken), spec.count))
        if len(free) < spec.count:
            raise invalid_parameter("network.subnet_id", f"{spec.subnet.id} has no free IP addresses left")
        return free

    def _bring_up_to_date(self, project_id: str) -> None:
        """Apply the clock to the servers it can change, so the stored statuses are today's."""
        self._apply_clock(self.store.servers_with_status(project_id, lifecycle.CLOCK_DRIVEN_STATUSES))

    def _new_record(
        self, spec: CreateSpec, *, name: str, owner: Identity, project_id: str, ip: str, created_at: int
    ) -> ServerRecord:
        server_id = str(uuid.uuid4())
        outcome = self._creation_outcome()
        return ServerRecord(
            id=server_id,
            project_id=project_id,
            owner_user_id=owner.user_id,
            owner_user_name=owner.user_name,
            name=name,
            flavor=spec.flavor.name,
            image=spec.image.summary_json(),
            status=lifecycle.CREATING,
            status_since_ms=created_at,
            creation_outcome=outcome,
            fail_reason=lifecycle.failure_reason_for(server_id)
            if outcome == lifecycle.CREATE_FAILED
            else None,
            create_at=created_at,
            update_at=created_at,
            charging_mode=spec.charging_mode,
            key_pair_name=spec.key_pair_name,
            order_id=_order_id(created_at),
            vpc_id=spec.vpc.id,
            subnet_id=spec.subnet.id,
            security_group_id=spec.security_group.id,
            availability_zone=spec.availability_zone,
            server_type=spec.flavor.server_type,
            arch=spec.flavor.arch,
            private_ip=ip,
            cloud_server_id=str(uuid.uuid4()),
            root_volume_size=spec.root_volume_size,
            root_volume_type=spec.root_volume_type,
            evs_id=str(uuid.uuid4()),
            ipv6_enable=spec.ipv6_enable,
            roce_id=spec.roce_id,
            enterprise_project_id=spec.enterprise_project_id,
            data_volumes=_new_data_disks(spec),
        )

    def _server_quota(self, project_id: str) -> int:
        project = self.config.project(project_id)
        return project.server_quota if project else DEFAULT_SERVER_QUOTA

    def create_servers(self, *, spec: CreateSpec, owner: Identity, project_id: str) -> list[ServerRecord]:
        names = (
            [spec.name] if spec.count == 1 else [f"{spec.name}-{index}" for index in range(1, spec.count + 1)]
        )
        with self.store.transaction():
            self._bring_up_to_date(project_id)
            used_names = self.store.names_in_use(project_id, names, except_status=lifecycle.DELETED)
            for name in names:
                if name in used_names:
                    raise ApiError(
                        400, "ModelArts.6301", f"The instance name {name} already exists in the project"
                    )
            quota = self._server_quota(project_id)
            live = self.store.count_servers(project_id, except_status=lifecycle.DELETED)
            if live + len(names) > quota:
                raise ApiError(
                    400,
                    "ModelArts.0116",
                    f"Quota exceeded: the project may hold {quota} instances, {live} exist",
                )
            addresses = self._free_addresses(spec, project_id)
            # Strictly after every earlier server and a millisecond apart within a batch, so sorting by
            # creation time gives the order the servers were asked for.
            created_at = max(now_ms(), self.store.latest_create_at(project_id) + 1)
            records = [
                self._new_record(
                    spec,
                    name=name,
                    owner=owner,
                    project_id=project_id,
                    ip=address,
                    created_at=created_at + index,
                )
                for index, (name, address) in enumerate(zip(names, addresses, strict=True))
            ]
            for record in records:
                self.store.save_server(record)
        return records

    def operate(self, *, project_id: str, server_id: str, operation: lifecycle.Operation) -> ServerRecord:
        with self.store.transaction():
            record = self.visible_server(project_id, server_id)
            lifecycle.apply_operation(record, operation, now_ms())
            self.store.save_server(record)
        return record

    def force_status(self, server_id: str, status: str) -> ServerRecord | None:
        with self.store.transaction():
            record = self.store.server(server_id)
            if record is None:
                return None
            if status == lifecycle.CREATING and record.creation_outcome is None:
                record.creation_outcome = lifecycle.RUNNING
            lifecycle.set_status(record, status, now_ms())
            self.store.save_server(record)
        return record

    def issue_token(self, *, identity: Identity, project_id: str) -> IssuedToken:
        issued_at = now_ms()
        token = "MIIE" + secrets.token_urlsafe(180)
        record = TokenRecord(
            user_id=identity.user_id,
            user_name=identity.user_name,
            domain=identity.domain,
            project_id=project_id,
            issued_at_ms=issued_at,
            expires_at_ms=issued_at + TOKEN_LIFETIME_MS,
        )
        self.store.save_token(token, record)
        return IssuedToken(token=token, record=record)

    def reset(self) -> None:
        self.store.delete_all_servers()
        self.counters.reset()
        self.faults.reset()
        self.lifecycle.reset()
