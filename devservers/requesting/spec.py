"""What a user asked for: the form's output, and the input of the request service."""

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class DevServerSpec:
    """What a user asked for, minus the password, which travels separately."""

    name: str
    count: int
    accelerator_count: int
    server_type: str
    arch: str
    flavor: str
    image_id: str
    image_name: str
    availability_zone: str
    vpc_id: str
    subnet_id: str
    security_group_id: str
    ipv6_enable: bool
    roce_id: str
    login_method: str
    key_pair_name: str
    root_volume_type: str
    root_volume_size: int | None
    data_volume_type: str
    data_volume_size: int | None
    data_volume_count: int | None
    charging_mode: str
    period_type: str
    period_num: int | None
    is_auto_renew: bool
    is_auto_pay: bool
    enterprise_project_id: str
    userdata: str
    # The schedule (devservers/schedules), from its own form beside this one.
    stop_after_hours: int | None = None
    daily_stop_time: datetime.time | None = None
    schedule_time_zone: str = ""
    lifetime_days: int | None = None
