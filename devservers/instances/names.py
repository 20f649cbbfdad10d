"""Names for what the detail page would otherwise show as ids, read from the cached catalogue only.

A page never calls the cloud: with a cold catalogue, or an object the cloud no longer lists, the id stays.
"""

from __future__ import annotations

from dataclasses import dataclass

from devservers import catalog
from devservers.models import DevServer


@dataclass(frozen=True)
class NetworkNames:
    vpc: str
    subnet: str
    security_group: str


def _name_of(items: list, wanted_id: str) -> str:
    return next((item.name for item in items if item.id == wanted_id and item.name), "")


def network_names(devserver: DevServer) -> NetworkNames:
    """The VPC's, subnet's and security group's names; "" for each the catalogue cannot name."""
    try:
        return NetworkNames(
            vpc=_name_of(catalog.vpcs(devserver.account), devserver.vpc_id),
            subnet=_name_of(catalog.subnets(devserver.account, devserver.vpc_id), devserver.subnet_id),
            security_group=_name_of(
                catalog.security_groups(devserver.account, devserver.vpc_id), devserver.security_group_id
            ),
        )
    except catalog.CatalogNotReady:
        return NetworkNames(vpc="", subnet="", security_group="")
