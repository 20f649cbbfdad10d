"""What an account offers (flavors, images, networks, key pairs), kept in Redis.

The web never calls the cloud for it: pages read the cache, and a miss raises `CatalogNotReady`
(the page then shows that the choices are loading and asks the worker for them). The worker's
`refresh` reads everything through the client and stores it, on demand and on a beat schedule, so a
slow or absent cloud holds no web request.
"""

from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

from devservers import accelerators
from devservers.cloud import client_for
from devservers.models import CloudAccount
from modelarts_client import Flavor, KeyPair, SecurityGroup, ServerImage, Subnet, Vpc

T = TypeVar("T")


class CatalogNotReady(Exception):
    """The account's catalogue is not in the cache: the worker has to fetch it first."""

    def __init__(self, account_id: int) -> None:
        super().__init__(f"the catalogue of account {account_id} is not loaded yet")
        self.account_id = account_id


def _key(account: CloudAccount, what: str) -> str:
    return f"catalog:{account.pk}:{what}"


def _cached(account: CloudAccount, what: str) -> T:
    value = cache.get(_key(account, what))
    if value is None:
        raise CatalogNotReady(account.pk)
    return value


def refresh(account: CloudAccount) -> None:
    """The worker's half: read all of it from the cloud and keep it (CloudError when the cloud fails)."""
    client = client_for(account)
    cloud_flavors = client.list_flavors()
    found: dict[str, object] = {"flavors": cloud_flavors, "key_pairs": client.list_key_pairs()}
    for flavor in cloud_flavors:
        found[f"images:{flavor.name}"] = client.list_images(flavor_name=flavor.name)
    account_vpcs = client.list_vpcs()
    found["vpcs"] = account_vpcs
    for vpc in account_vpcs:
        found[f"subnets:{vpc.id}"] = client.list_subnets(vpc.id or "")
        found[f"security_groups:{vpc.id}"] = client.list_security_groups(vpc.id or "")
    cache.set_many(
        {_key(account, what): value for what, value in found.items()},
        timeout=settings.DEVSERVER_CATALOG_CACHE_SECONDS,
    )


def is_loaded(account: CloudAccount) -> bool:
    return cache.get(_key(account, "flavors")) is not None


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
    cloud_flavors: list[Flavor] = _cached(account, "flavors")
    entries = accelerators.catalogue_entries([flavor.name for flavor in cloud_flavors])
    return [
        FlavorChoice(cloud=flavor, accelerators=accelerators.resolve(flavor, entries.get(flavor.name)))
        for flavor in cloud_flavors
    ]


def find_flavor(account: CloudAccount, name: str) -> FlavorChoice | None:
    return next((flavor for flavor in flavors(account) if flavor.name == name), None)


def images_for_flavor(account: CloudAccount, flavor_name: str) -> list[ServerImage]:
    """The images the cloud says fit the flavor (the images call's `flavor_name` filter)."""
    return _cached(account, f"images:{flavor_name}")


def find_image(account: CloudAccount, *, flavor_name: str, image_id: str) -> ServerImage | None:
    return next(
        (image for image in images_for_flavor(account, flavor_name) if image.image_id == image_id), None
    )


def vpcs(account: CloudAccount) -> list[Vpc]:
    return _cached(account, "vpcs")


def subnets(account: CloudAccount, vpc_id: str) -> list[Subnet]:
    return _cached(account, f"subnets:{vpc_id}")


def security_groups(account: CloudAccount, vpc_id: str) -> list[SecurityGroup]:
    return _cached(account, f"security_groups:{vpc_id}")


def key_pairs(account: CloudAccount) -> list[KeyPair]:
    return _cached(account, "key_pairs")


def availability_zones(account: CloudAccount) -> list[str]:
    zones = {subnet.availability_zone for vpc in vpcs(account) for subnet in subnets(account, vpc.id)}
    return sorted(zone for zone in zones if zone)
