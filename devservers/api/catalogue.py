"""/catalogue: what a team's account offers, from the worker's cache only (503 while it is loading)."""

from django.http import HttpRequest
from ninja import Query, Router, Schema

from devservers import catalog
from devservers.api.creating import team_and_account
from devservers.api.schemas import Catalogue, Detail
from devservers.costs.prices import catalogue_prices
from devservers.models import CloudAccount

router = Router(tags=["catalogue"])


class CatalogueFilters(Schema):
    team: int | None = None
    account: int | None = None


def _flavors(account: CloudAccount) -> list[dict]:
    flavors = catalog.flavors(account)
    prices = catalogue_prices([flavor.name for flavor in flavors], account.currency)
    return [
        {
            "name": flavor.name,
            "arch": flavor.arch,
            "server_type": flavor.server_type,
            "specification": flavor.specification,
            "charging_modes": flavor.charging_modes,
            "zones": flavor.zones,
            "sold_out": flavor.sold_out,
            "accelerators": flavor.accelerators,
            "prices": prices[flavor.name],
            "images": catalog.images_for_flavor(account, flavor.name),
        }
        for flavor in flavors
    ]


def _networks(account: CloudAccount) -> list[dict]:
    return [
        {
            "id": vpc.id,
            "name": vpc.name,
            "cidr": vpc.cidr,
            "subnets": catalog.subnets(account, vpc.id or ""),
            "security_groups": catalog.security_groups(account, vpc.id or ""),
        }
        for vpc in catalog.vpcs(account)
    ]


@router.get(
    "/catalogue",
    response={200: Catalogue, 503: Detail},
    summary="Flavors (accelerators, prices, images), networks and key pairs of a team's account",
    operation_id="get_catalogue",
)
def get_catalogue(request: HttpRequest, filters: Query[CatalogueFilters]) -> dict:
    team, account = team_and_account(request.user, team_id=filters.team, account_id=filters.account)
    return {
        "account_id": account.pk,
        "team_id": team.pk if team else None,
        "flavors": _flavors(account),
        "networks": _networks(account),
        "key_pairs": [key_pair.name for key_pair in catalog.key_pairs(account) if key_pair.name],
    }
