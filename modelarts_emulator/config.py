"""Who may call the emulator, on which projects, and the start values of its lifecycle and faults.

The built-in defaults are public constants so tests and a local dashboard can use them without a
config file; a JSON file given with --config replaces them (see README.md for its format).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

DEFAULT_REGION = "cn-north-4"
DEFAULT_PROJECT_ID = "0c1e7d5a3b2f4e6a8d9c0b1a2f3e4d5c"
DEFAULT_PROJECT_NAME = "cn-north-4"
# A second project only the second credential may use, so "project not allowed" can be exercised.
OTHER_PROJECT_ID = "7f3a9b2c4d5e6f708192a3b4c5d6e7f8"
OTHER_PROJECT_NAME = "cn-north-4_team-b"

DEFAULT_USER_ID = "9e2b4a6c8d0f41a3b5c7d9e1f3a5b7c9"
DEFAULT_USER_NAME = "devserver-admin"
DEFAULT_ACCESS_KEY = "EMULATORAKDEFAULT001"
DEFAULT_SECRET_KEY = "EmulatorSecretKeyDefault0000000000000001"

SECOND_USER_ID = "4d6f8a0c2e4a46b8c0d2e4f6a8b0c2d4"
SECOND_USER_NAME = "devserver-teammate"
SECOND_ACCESS_KEY = "EMULATORAKSECOND0002"
SECOND_SECRET_KEY = "EmulatorSecretKeySecond00000000000000002"

DEFAULT_IAM_DOMAIN = "emulator-domain"
DEFAULT_IAM_USER = DEFAULT_USER_NAME
DEFAULT_IAM_PASSWORD = "Emulator@Pass2024"

DEFAULT_SERVER_QUOTA = 100
DEFAULT_STORE_PATH = Path("var/emulator.sqlite3")

# "offset": GET /dev-servers/all pages by limit/offset like the own list; "none": it answers every
# server in one page, since ListAllDevServers documents no paging parameters.
ALL_PAGING_OFFSET = "offset"
ALL_PAGING_NONE = "none"
ALL_PAGING_MODES = (ALL_PAGING_OFFSET, ALL_PAGING_NONE)


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class ProjectConfig:
    id: str
    name: str
    server_quota: int = DEFAULT_SERVER_QUOTA


@dataclass(frozen=True)
class Identity:
    """The user a request acts as; servers are "own" to the identity that created them."""

    user_id: str
    user_name: str
    domain: str
    project_ids: tuple[str, ...]


@dataclass(frozen=True)
class AccessKeyConfig:
    access_key: str
    secret_key: str
    identity: Identity


@dataclass(frozen=True)
class IamUserConfig:
    password: str
    identity: Identity


@dataclass
class LifecycleSettings:
    create_seconds: float = 8.0
    start_seconds: float = 3.0
    stop_seconds: float = 3.0
    reboot_seconds: float = 3.0
    delete_seconds: float = 3.0
    deleted_visible_seconds: float = 30.0


@dataclass
class FaultSettings:
    latency_ms: int = 0
    error_rate: float = 0.0
    throttle_rps: float | None = None
    drop_create_responses: int = 0
    stuck_creating: bool = False
    create_failed_rate: float = 0.0


@dataclass(frozen=True)
class BehaviourSettings:
    """Choices where the documentation leaves the cloud's behaviour open; fixed for the process's life."""

    all_paging: str = ALL_PAGING_OFFSET

    def __post_init__(self) -> None:
        if self.all_paging not in ALL_PAGING_MODES:
            raise ConfigError(
                f"all_paging must be one of {', '.join(ALL_PAGING_MODES)}, not {self.all_paging!r}"
            )


@dataclass(frozen=True)
class EmulatorConfig:
    region: str
    projects: tuple[ProjectConfig, ...]
    access_keys: tuple[AccessKeyConfig, ...]
    iam_users: tuple[IamUserConfig, ...]
    lifecycle: LifecycleSettings = field(default_factory=LifecycleSettings)
    faults: FaultSettings = field(default_factory=FaultSettings)
    behaviour: BehaviourSettings = field(default_factory=BehaviourSettings)

    def project(self, project_id: str) -> ProjectConfig | None:
        return next((project for project in self.projects if project.id == project_id), None)

    def access_key(self, access_key: str) -> AccessKeyConfig | None:
        return next((entry for entry in self.access_keys if entry.access_key == access_key), None)

    def iam_user(self, domain: str, name: str) -> IamUserConfig | None:
        return next(
            (
                user
                for user in self.iam_users
                if user.identity.domain == domain and user.identity.user_name == name
            ),
            None,
        )


def default_config() -> EmulatorConfig:
    default_identity = Identity(
        user_id=DEFAULT_USER_ID,
        user_name=DEFAULT_USER_NAME,
        domain=DEFAULT_IAM_DOMAIN,
        project_ids=(DEFAULT_PROJECT_ID,),
    )
    second_identity = Identity(
        user_id=SECOND_USER_ID,
        user_name=SECOND_USER_NAME,
        domain=DEFAULT_IAM_DOMAIN,
        project_ids=(DEFAULT_PROJECT_ID, OTHER_PROJECT_ID),
    )
    return EmulatorConfig(
        region=DEFAULT_REGION,
        projects=(
            ProjectConfig(id=DEFAULT_PROJECT_ID, name=DEFAULT_PROJECT_NAME),
            ProjectConfig(id=OTHER_PROJECT_ID, name=OTHER_PROJECT_NAME),
        ),
        access_keys=(
            AccessKeyConfig(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY, default_identity),
            AccessKeyConfig(SECOND_ACCESS_KEY, SECOND_SECRET_KEY, second_identity),
        ),
        iam_users=(IamUserConfig(password=DEFAULT_IAM_PASSWORD, identity=default_identity),),
    )


def _require(mapping: dict[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise ConfigError(f"{where}: missing key {key!r}")
    return mapping[key]


def _identity_from_json(entry: dict[str, Any], where: str, default_domain: str) -> Identity:
    return Identity(
        user_id=str(_require(entry, "user_id", where)),
        user_name=str(_require(entry, "user_name", where)),
        domain=str(entry.get("domain", default_domain)),
        project_ids=tuple(str(project_id) for project_id in _require(entry, "projects", where)),
    )


def _settings_from_json(settings_class: type, values: dict[str, Any], where: str) -> Any:
    known = {setting.name for setting in fields(settings_class)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}")
    return replace(settings_class(), **values)


def config_from_json(document: dict[str, Any]) -> EmulatorConfig:
    region = str(document.get("region", DEFAULT_REGION))
    domain = str(document.get("domain", DEFAULT_IAM_DOMAIN))
    projects = tuple(
        ProjectConfig(
            id=str(_require(entry, "id", "projects[]")),
            name=str(entry.get("name", region)),
            server_quota=int(entry.get("server_quota", DEFAULT_SERVER_QUOTA)),
        )
        for entry in _require(document, "projects", "config")
    )
    access_keys = tuple(
        AccessKeyConfig(
            access_key=str(_require(entry, "access_key", "access_keys[]")),
            secret_key=str(_require(entry, "secret_key", "access_keys[]")),
            identity=_identity_from_json(entry, "access_keys[]", domain),
        )
        for entry in document.get("access_keys", [])
    )
    iam_users = tuple(
        IamUserConfig(
            password=str(_require(entry, "password", "iam_users[]")),
            identity=_identity_from_json(entry, "iam_users[]", domain),
        )
        for entry in document.get("iam_users", [])
    )
    return EmulatorConfig(
        region=region,
        projects=projects,
        access_keys=access_keys,
        iam_users=iam_users,
        lifecycle=_settings_from_json(LifecycleSettings, document.get("lifecycle", {}), "lifecycle"),
        faults=_settings_from_json(FaultSettings, document.get("faults", {}), "faults"),
        behaviour=_settings_from_json(BehaviourSettings, document.get("behaviour", {}), "behaviour"),
    )


def load_config(path: Path | None) -> EmulatorConfig:
    if path is None:
        return default_config()
    with path.open(encoding="utf-8") as config_file:
        return config_from_json(json.load(config_file))
