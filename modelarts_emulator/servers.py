"""A stored DevServer instance and the server object the API answers with (seed Table 6)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
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

    def to_document(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> ServerRecord:
        return cls(**document)

    def as_json(self) -> dict[str, Any]:
        ssh_keys = [self.key_pair_name] if self.key_pair_name else []
        return {
            "id": self.id,
            "name": self.name,
            "flavor": self.flavor,
            "status": self.status,
            "charging_mode": self.charging_mode,
            "create_at": self.create_at,
            "update_at": self.update_at,
            "key_pair_name": self.key_pair_name,
            "order_id": self.order_id,
            "vpc_id": self.vpc_id,
            "subnet_id": self.subnet_id,
            "cloud_server": {"id": self.cloud_server_id, "type": self.server_type},
            "image": dict(self.image),
            "server_image_response": dict(self.image),
            "endpoints": [
                {
                    "dev_service": "SSH",
                    "service": "SSH",
                    "uri": self.private_ip,
                    "key_pair_names": list(ssh_keys),
                    "ssh_keys": list(ssh_keys),
                    "allowed_access_ips": [],
                }
            ],
            "endpoints_response": [
                {"allowed_access_ips": [], "dev_service": "SSH", "extensions": {}, "ssh_keys": list(ssh_keys)}
            ],
            "volumes": [
                {
                    "size": self.root_volume_size,
                    "type": "ROOT",
                    "evs_type": self.root_volume_type,
                    "evs_id": self.evs_id,
                }
            ],
            "category": "SERVER",
            "availability_zone": self.availability_zone,
            "server_type": self.server_type,
            "arch": self.arch,
            "fail_reason": self.fail_reason,
        }
