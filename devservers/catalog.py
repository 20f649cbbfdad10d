"""What an account offers (flavors, images, networks, key pairs), read through the client
and kept briefly in Redis so that a form and its HTMX fragments don't call the cloud each time."""

from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from devservers.cloud import client_for
from devservers.models import CloudAccount
from modelarts_client import Flavor, Image, KeyPair, SecurityGroup, Subnet, Vpc

T = TypeVar("T")


def _cached(account: CloudAccount, what: str, load: Callable[[], T]) -> T:
    key = f"catalog:{account.pk}:{what}"
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=settings.DEVSERVER_CATALOG_CACHE_SECONDS)
    return value


def flavors(account: CloudAccount) -> list[Flavor]:
    return _cached(account, "flavors", lambda: client_for(account).list_flavors())


def find_flavor(account: CloudAccount, name: str) -> Flavor | None:
    return next((flavor for flavor in flavors(account) if flavor.name == name), None)


def images(account: CloudAccount) -> list[Image]:
    return _cached(account, "images", lambda: client_for(account).list_images())


def image_fits_flavor(image: Image, flavor: Flavor) -> bool:
    if image.arch != flavor.arch or image.server_type != flavor.server_type:
        return False
    if image.accelerator_type is None:
        return True
    return flavor.accelerator is not None and flavor.accelerator.type == image.accelerator_type


def images_for_flavor(account: CloudAccount, flavor: Flavor) -> list[Image]:
    return [image for image in images(account) if image_fits_flavor(image, flavor)]


def find_image(account: CloudAccount, image_id: str) -> Image | None:
    return next((image for image in images(account) if image.id == image_id), None)


def vpcs(account: CloudAccount) -> list[Vpc]:
    return _cached(account, "vpcs", lambda: client_for(account).list_vpcs())


def subnets(account: CloudAccount, vpc_id: str) -> list[Subnet]:
    return _cached(account, f"subnets:{vpc_id}", lambda: client_for(account).list_subnets(vpc_id))


def security_groups(account: CloudAccount, vpc_id: str) -> list[SecurityGroup]:
    return _cached(
        account, f"security_groups:{vpc_id}", lambda: client_for(account).list_security_groups(vpc_id)
    )


def key_pairs(account: CloudAccount) -> list[KeyPair]:
    return _cached(account, "key_pairs", lambda: client_for(account).list_key_pairs())


def availability_zones(account: CloudAccount) -> list[str]:
    zones = {subnet.availability_zone for vpc in vpcs(account) for subnet in subnets(account, vpc.id)}
    return sorted(zone for zone in zones if zone)


def cloud_server_names(account: CloudAccount) -> set[str]:
    """Names in use in the account now; never cached, since a stale answer would let a duplicate through."""
    return {
        server.name
        for server in client_for(account).iter_dev_servers(all_users=True)
        if server.name and server.status != "DELETED"
    }
