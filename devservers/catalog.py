"""What an account offers (flavors, images, networks, key pairs), read through the client
and kept briefly in Redis so that a form and its HTMX fragments don't call the cloud each time."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from devservers import accelerators
from devservers.cloud import client_for
from devservers.models import CloudAccount
from modelarts_client import Flavor, KeyPair, SecurityGroup, ServerImage, Subnet, Vpc

T = TypeVar("T")


def _cached(account: CloudAccount, what: str, load: Callable[[], T]) -> T:
    key = f"catalog:{account.pk}:{what}"
    value = cache.get(key)
    if value is None:
        value = load()
        cache.set(key, value, timeout=settings.DEVSERVER_CATALOG_CACHE_SECONDS)
    return value


@dataclass(frozen=True)
class FlavorChoice:
    """A flavor as the form offers it: what the cloud sells, and its accelerators from our catalogue."""

    cloud: Flavor
    accelerators: accelerators.Accelerators | None

    @property
    def name(self) -> str:
        return self.cloud.name

    @property
    def arch(self) -> str | None:
        return self.cloud.arch

    @property
    def server_type(self) -> str | None:
        return self.cloud.server_type

    @property
    def specification(self) -> str | None:
        return self.cloud.specification

    @property
    def charging_modes(self) -> list[str]:
        return self.cloud.charging_modes

    @property
    def zones(self) -> list[str]:
        return self.cloud.zones

    @property
    def sold_out(self) -> bool:
        return self.cloud.sold_out

    @property
    def accelerator_count(self) -> int:
        """Known cards per server; 0 for none or unknown (see `accelerators.is_known`)."""
        return self.accelerators.count or 0 if self.accelerators else 0


def flavors(account: CloudAccount) -> list[FlavorChoice]:
    cloud_flavors: list[Flavor] = _cached(account, "flavors", lambda: client_for(account).list_flavors())
    entries = accelerators.catalogue_entries([flavor.name for flavor in cloud_flavors])
    return [
        FlavorChoice(cloud=flavor, accelerators=accelerators.resolve(flavor, entries.get(flavor.name)))
        for flavor in cloud_flavors
    ]


def find_flavor(account: CloudAccount, name: str) -> FlavorChoice | None:
    return next((flavor for flavor in flavors(account) if flavor.name == name), None)


def images_for_flavor(account: CloudAccount, flavor_name: str) -> list[ServerImage]:
    """The images the cloud says fit the flavor (the images call's `flavor_name` filter)."""
    return _cached(
        account, f"images:{flavor_name}", lambda: client_for(account).list_images(flavor_name=flavor_name)
    )


def find_image(account: CloudAccount, *, flavor_name: str, image_id: str) -> ServerImage | None:
    return next(
        (image for image in images_for_flavor(account, flavor_name) if image.image_id == image_id), None
    )


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
