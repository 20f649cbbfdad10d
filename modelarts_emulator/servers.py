"""A stored DevServer instance and the server object the API answers with.

The record keeps more than the wire shows (availability zone, arch, why a create failed); the
server object holds only the keys of the SDK's `ServerResponse` and the seed's Table 6.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ServerRecord:
    id: str
    project_id: str
    owner_user_id: str
    owner_user_name: str
    name: str
    flavor: str
    image: dict[str, str]
    status: str
    status_since_ms: int
    # What CREATING turns into once create_seconds pass; None keeps it CREATING (the stuck fault).
    creation_outcome: str | None
    fail_reason: str | None
    create_at: int
    update_at: int
    charging_mode: str
    key_pair_name: str | None
    order_id: str
    vpc_id: str
    subnet_id: str
    security_group_id: str
    availability_zone: str
    server_type: str
    arch: str
    private_ip: str
    cloud_server_id: str
    root_volume_size: int
    root_volume_type: str
    evs_id: str
    ipv6_enable: bool
    roce_id: str | None
    enterprise_project_id: str | None
    # Each data disk as {"size", "evs_type", "evs_id"}; a store written before data disks holds none.
    data_volumes: list[dict[str, Any]] = field(default_factory=list)

    def to_document(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ServerRecord:
        return cls(**document)

    def volumes_json(self) -> list[dict[str, Any]]:
        root = {
            "size": self.root_volume_size,
            "type": "ROOT",
            "evs_type": self.root_volume_type,
            "evs_id": self.evs_id,
        }
        data = [
            {"size": disk["size"], "type": "DATA", "evs_type": disk["evs_type"], "evs_id": disk["evs_id"]}
            for disk in self.data_volumes
        ]
        return [root, *data]

    def as_json(self) -> dict[str, Any]:
        """The server object: keys of the SDK's `ServerResponse`, plus the seed's `server_image_response`."""
        key_pair_names = [self.key_pair_name] if self.key_pair_name else []
        server: dict[str, Any] = {
            "create_at": self.create_at,
            "update_at": self.update_at,
            "charging_mode": self.charging_mode,
            "cloud_server": {"id": self.cloud_server_id, "type": self.server_type},
            "endpoints_response": [
                {
                    "dev_service": "SSH",
                    "extensions": {},
                    "ssh_keys": list(key_pair_names),
                    "allowed_access_ips": [],
                }
            ],
            "flavor": self.flavor,
            "id": self.id,
            "name": self.name,
            "order_id": self.order_id,
            "status": self.status,
            "vpc_id": self.vpc_id,
            "endpoints": [
                {
                    "dev_service": "SSH",
                    "service": "SSH",
                    "uri": self.private_ip,
                    "key_pair_names": key_pair_names,
                }
            ],
            "volumes": self.volumes_json(),
            "image": dict(self.image),
            "server_image_response": dict(self.image),
            "category": "SERVER",
            "subnet_id": self.subnet_id,
        }
        if self.key_pair_name is not None:
            server["key_pair_name"] = self.key_pair_name
        return server
