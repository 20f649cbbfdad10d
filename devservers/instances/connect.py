"""How to reach a server: the SSH command and the dev services, read from the cloud's `endpoints`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from devservers.models import DevServer

# The images ModelArts offers for DevServers log in as root (the password rule forbids "root" for that reason).
SSH_USER = "root"
SSH_PORT = 22


@dataclass(frozen=True)
class DevService:
    name: str
    uri: str


@dataclass(frozen=True)
class ConnectInfo:
    user: str
    host: str
    port: int
    key_pair_name: str

    @property
    def ssh_command(self) -> str:
        key = f"-i ~/.ssh/{self.key_pair_name}.pem " if self.key_pair_name else ""
        port = f"-p {self.port} " if self.port != SSH_PORT else ""
        return f"ssh {key}{port}{self.user}@{self.host}"


def _host_and_port(uri: str) -> tuple[str, int]:
    # The cloud gives a bare address ("10.10.1.11"); a "host:port" or "ssh://user@host:port" form is honoured too.
    parsed = urlsplit(uri if "//" in uri else f"//{uri}")
    try:
        port = parsed.port or SSH_PORT
    except ValueError:
        port = SSH_PORT
    return parsed.hostname or uri, port


def _endpoints(devserver: DevServer) -> list[dict]:
    response = devserver.last_response or {}
    endpoints = response.get("endpoints") or response.get("endpoints_response") or []
    return [endpoint for endpoint in endpoints if isinstance(endpoint, dict)]


def _is_ssh(endpoint: dict) -> bool:
    return "SSH" in {
        str(endpoint.get("service") or "").upper(),
        str(endpoint.get("dev_service") or "").upper(),
    }


def connect_info(devserver: DevServer) -> ConnectInfo | None:
    """The SSH way in, or None while the cloud has given no address."""
    ssh = next(
        (endpoint for endpoint in _endpoints(devserver) if _is_ssh(endpoint) and endpoint.get("uri")), None
    )
    uri = str(ssh["uri"]) if ssh else devserver.private_ip
    if not uri:
        return None
    host, port = _host_and_port(uri)
    user = urlsplit(uri).username if "//" in uri else None
    names = (ssh or {}).get("key_pair_names") or (ssh or {}).get("ssh_keys") or []
    key_pair_name = devserver.key_pair_name or (str(names[0]) if names else "")
    return ConnectInfo(user=user or SSH_USER, host=host, port=port, key_pair_name=key_pair_name)


def dev_services(devserver: DevServer) -> list[DevService]:
    """Every service the server offers besides SSH (Jupyter, VS Code …), with its address."""
    return [
        DevService(
            name=str(endpoint.get("service") or endpoint.get("dev_service")),
            uri=str(endpoint.get("uri") or ""),
        )
        for endpoint in _endpoints(devserver)
        if not _is_ssh(endpoint) and (endpoint.get("service") or endpoint.get("dev_service"))
    ]
