"""The create call's body, built from a request row (the password decrypted only here, for the call)."""

from devservers.crypto import decrypt_secret
from devservers.models import DevServer
from modelarts_client import ChargingInfo, CreateServerRequest, DataVolume, RootVolume, ServerNetwork


def create_request_for(devserver: DevServer) -> CreateServerRequest:
    charging_info = None
    if devserver.charging_mode == "PRE_PAID":
        charging_info = ChargingInfo(
            charging_mode="PRE_PAID",
            period_type=devserver.period_type,
            period_num=devserver.period_num,
            is_auto_pay=devserver.is_auto_pay,
            is_auto_renew=devserver.is_auto_renew,
        )
    root_volume = None
    if devserver.root_volume_type or devserver.root_volume_size:
        root_volume = RootVolume(size=devserver.root_volume_size, type=devserver.root_volume_type or None)
    data_volume = None
    if devserver.data_volume_type and devserver.data_volume_size:
        data_volume = DataVolume(
            size=devserver.data_volume_size,
            type=devserver.data_volume_type,
            count=devserver.data_volume_count or 1,
        )
    return CreateServerRequest(
        name=devserver.name,
        flavor=devserver.flavor,
        image_id=devserver.image_id,
        network=ServerNetwork(
            vpc_id=devserver.vpc_id,
            subnet_id=devserver.subnet_id,
            security_group_id=devserver.security_group_id,
            ipv6_enable=devserver.ipv6_enable or None,
            roce_id=devserver.roce_id or None,
        ),
        admin_pass=decrypt_secret(devserver.admin_pass_encrypted) or None,
        key_pair_name=devserver.key_pair_name or None,
        arch=devserver.arch or None,
        availability_zone=devserver.availability_zone or None,
        charging_info=charging_info,
        enterprise_project_id=devserver.enterprise_project_id or None,
        root_volume=root_volume,
        data_volume=data_volume,
        server_type=devserver.server_type or None,
        userdata=devserver.userdata or None,
    )
