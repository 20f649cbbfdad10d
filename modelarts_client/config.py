"""Who the client acts as and where it sends its calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

USERDATA_FIELDS = ("userdata", "user_data")


@dataclass(frozen=True)
class AkSkCredentials:
    access_key: str
    secret_key: str = field(repr=False)


@dataclass(frozen=True)
class IamCredentials:
    domain_name: str
    user_name: str
    password: str = field(repr=False)


Credentials = AkSkCredentials | IamCredentials


@dataclass(frozen=True)
class CloudConfig:
    region: str
    project_id: str
    credentials: Credentials
    modelarts_endpoint: str = ""
    vpc_endpoint: str = ""
    ecs_endpoint: str = ""
    iam_endpoint: str = ""
    userdata_field: str = "userdata"
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    read_retries: int = 3
    retry_backoff: float = 0.5
    retry_backoff_max: float = 8.0
    # A token lives 24 h; it is replaced once less than this many seconds of it remain.
    token_refresh_margin: float = 3600.0

    def __post_init__(self) -> None:
        if self.userdata_field not in USERDATA_FIELDS:
            raise ValueError(f"userdata_field must be one of {USERDATA_FIELDS}, not {self.userdata_field!r}")
        if not isinstance(self.credentials, AkSkCredentials | IamCredentials):
            raise TypeError("credentials must be AkSkCredentials or IamCredentials")
        if self.read_retries < 0:
            raise ValueError("read_retries must not be negative")

    @classmethod
    def single_endpoint(
        cls, url: str, *, region: str, project_id: str, credentials: Credentials, **rest: Any
    ) -> CloudConfig:
        """All four services behind one base URL, as the emulator serves them."""
        base = url.rstrip("/")
        return cls(
            region=region,
            project_id=project_id,
            credentials=credentials,
            modelarts_endpoint=base,
            vpc_endpoint=base,
            ecs_endpoint=base,
            iam_endpoint=base,
            **rest,
        )

    @property
    def modelarts_url(self) -> str:
        return _endpoint_or_default(self.modelarts_endpoint, "modelarts", self.region)

    @property
    def vpc_url(self) -> str:
        return _endpoint_or_default(self.vpc_endpoint, "vpc", self.region)

    @property
    def ecs_url(self) -> str:
        return _endpoint_or_default(self.ecs_endpoint, "ecs", self.region)

    @property
    def iam_url(self) -> str:
        return _endpoint_or_default(self.iam_endpoint, "iam", self.region)


def _endpoint_or_default(configured: str, service: str, region: str) -> str:
    if configured:
        return configured.rstrip("/")
    return f"https://{service}.{region}.myhuaweicloud.com"
