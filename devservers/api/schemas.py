"""The API's shapes, as the OpenAPI schema shows them. Rows become these through `from_orm`/dicts."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from devservers import selectors
from devservers.models import AuditEntry, DevServer, DevServerEvent


class Errors(Schema):
    """A refusal, in the request form's own shape: each field (or `__all__`) with its messages."""

    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


class Event(Schema):
    created_at: datetime
    kind: str
    status_from: str
    status_to: str
    operation: str
    outcome: str
    error_code: str
    message: str


class Instance(Schema):
    id: int
    name: str
    status: str
    status_label: str
    owner: str | None
    team_id: int | None
    account_id: int
    flavor: str
    image_id: str
    image_name: str
    accelerator_count: int
    charging_mode: str
    cloud_id: str
    private_ip: str
    approval_reasons: list[str]
    decline_reason: str
    error_code: str
    error_msg: str
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_owner(row: DevServer) -> str | None:
        return row.owner.get_username() if row.owner else None


class InstanceDetail(Instance):
    events: list[Event]

    @staticmethod
    def resolve_events(row: DevServer) -> list[DevServerEvent]:
        return list(selectors.events_for(row))


class InstancePage(Schema):
    items: list[Instance]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null at the end."
    )


class CreatedRequest(Schema):
    items: list[Instance]
    awaiting_approval: bool
    approval_reasons: list[str]


class ActionAccepted(Schema):
    id: int
    status: str


class Decline(Schema):
    reason: str


class Accelerator(Schema):
    type: str
    name: str
    count: int | None
    memory_gib: int | None


class Prices(Schema):
    currency: str
    hourly: Decimal | None
    monthly: Decimal | None
    yearly: Decimal | None


class Image(Schema):
    image_id: str | None
    name: str | None
    arch: str | None
    server_type: str | None


class Flavor(Schema):
    name: str
    arch: str | None
    server_type: str | None
    specification: str | None
    charging_modes: list[str]
    zones: list[str]
    sold_out: bool
    accelerators: Accelerator | None
    prices: Prices
    images: list[Image]


class Subnet(Schema):
    id: str | None
    name: str | None
    cidr: str | None
    availability_zone: str | None


class SecurityGroup(Schema):
    id: str | None
    name: str | None


class Network(Schema):
    id: str | None
    name: str | None
    cidr: str | None
    subnets: list[Subnet]
    security_groups: list[SecurityGroup]


class Catalogue(Schema):
    account_id: int
    team_id: int | None
    flavors: list[Flavor]
    networks: list[Network]
    key_pairs: list[str]


class AuditItem(Schema):
    id: int
    created_at: datetime
    actor: str
    action: str
    outcome: str
    detail: str
    team_id: int | None
    devserver_id: int | None

    @staticmethod
    def resolve_actor(entry: AuditEntry) -> str:
        return entry.actor_name


class AuditPage(Schema):
    items: list[AuditItem]
    next_cursor: str | None


class CreateBody(Schema):
    """The request form's fields (see the form for every rule); `admin_pass` is the login password.

    Only types are checked here: every rule is the form's, and its refusals come back in its shape."""

    team: int | None = Field(None, description="Your team's id; your first team when left out.")
    account: int | None = Field(None, description="A cloud account of the team; its first when left out.")
    name: str
    count: int = 1
    server_type: str = "ECS"
    arch: str = "X86"
    flavor: str
    image_id: str
    availability_zone: str = ""
    vpc_id: str
    subnet_id: str
    security_group_id: str
    ipv6_enable: bool = False
    roce_id: str = ""
    login_method: str = "password"
    admin_pass: str = Field("", description="Write-only; stored encrypted until the server is created.")
    key_pair_name: str = ""
    root_volume_type: str = ""
    root_volume_size: int | None = None
    data_volume_type: str = ""
    data_volume_size: int | None = None
    data_volume_count: int | None = None
    charging_mode: str = "POST_PAID"
    period_type: str = ""
    period_num: int | None = None
    is_auto_renew: bool = False
    is_auto_pay: bool = False
    userdata_script: str = ""
    enterprise_project_id: str = ""
    stop_after_hours: int | None = None
    daily_stop_time: str = Field("", description="HH:MM")
    schedule_time_zone: str = ""
    lifetime_days: int | None = None
