"""Where a refusal from the cloud lands on the request form: the field its message names."""

import re

from modelarts_client.errors import NAME_TAKEN_CODE

CLOUD_FIELD_PATTERN = re.compile(r"Invalid parameter: (?P<field>[A-Za-z_]+(?:\.[A-Za-z_]+)*)")

# Where a cloud refusal's field path lands on this form.
CLOUD_FIELD_TO_FORM_FIELD = {
    "name": "name",
    "flavor": "flavor",
    "resource_flavor": "flavor",
    "image_id": "image_id",
    "network.vpc_id": "vpc_id",
    "network.subnet_id": "subnet_id",
    "network.security_group_id": "security_group_id",
    "network.ipv6_enable": "ipv6_enable",
    "network.roce_id": "roce_id",
    "network": "vpc_id",
    "admin_pass": "admin_pass",
    "key_pair_name": "key_pair_name",
    "arch": "arch",
    "availability_zone": "availability_zone",
    "charging_info.charging_mode": "charging_mode",
    "charging_info.period_type": "period_type",
    "charging_info.period_num": "period_num",
    "charging_info": "charging_mode",
    "count": "count",
    "enterprise_project_id": "enterprise_project_id",
    "root_volume.size": "root_volume_size",
    "root_volume.type": "root_volume_type",
    "root_volume": "root_volume_size",
    "data_volume.size": "data_volume_size",
    "data_volume.type": "data_volume_type",
    "data_volume.count": "data_volume_count",
    "data_volume": "data_volume_type",
    "server_type": "server_type",
    "userdata": "userdata_script",
    "user_data": "userdata_script",
}


def placed(*, error_code: str, error_msg: str) -> tuple[str, str]:
    """The form field a refusal belongs at ('' for the form as a whole) and the message shown there."""
    if error_code == NAME_TAKEN_CODE:
        return "name", error_msg
    match = CLOUD_FIELD_PATTERN.search(error_msg)
    field = CLOUD_FIELD_TO_FORM_FIELD.get(match["field"] if match else "", "")
    return field, f"{error_msg} ({error_code})"
