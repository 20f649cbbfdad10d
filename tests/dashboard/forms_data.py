"""A valid request against the emulator's seeded catalogue, to spoil one field at a time."""

SEED_FLAVOR = "Si2.large.4"
SEED_IMAGE_ID = "c90fb553-2cdb-4b81-b56a-ef68812c6cf7"
SEED_VPC_ID = "05982b48-a70f-43a1-a2b0-1fe36a236172"
SEED_SUBNET_ID = "38cf274a-98f9-4f6f-b622-5ed0e4a3db54"
SEED_SECURITY_GROUP_ID = "150a2c76-1334-45f6-b28f-419f9b1d1742"
GOOD_PASSWORD = "Dev!Server-2024"


def valid_request(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "dev-box",
        "count": 1,
        "availability_zone": "",
        "server_type": "ECS",
        "arch": "X86",
        "flavor": SEED_FLAVOR,
        "image_id": SEED_IMAGE_ID,
        "vpc_id": SEED_VPC_ID,
        "subnet_id": SEED_SUBNET_ID,
        "security_group_id": SEED_SECURITY_GROUP_ID,
        "login_method": "password",
        "admin_pass": GOOD_PASSWORD,
        "admin_pass_confirm": GOOD_PASSWORD,
        "key_pair_name": "",
        "root_volume_type": "",
        "root_volume_size": "",
        "charging_mode": "POST_PAID",
        "period_type": "",
        "period_num": "",
        "userdata_script": "",
        "enterprise_project_id": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}
