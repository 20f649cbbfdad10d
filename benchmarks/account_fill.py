"""Filling the emulator's account cheaply for a benchmark: a quota the run fits in, its networks,
and servers bought straight from the cloud, ten to a call."""

from __future__ import annotations

import ipaddress
import json
import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from modelarts_client import ModelArtsClient

PREFILL_PER_CALL = 10  # the most one create call may ask for
PREFILL_THREADS = 8


@dataclass(frozen=True)
class Network:
    vpc_id: str
    subnet_id: str
    security_group_id: str
    addresses: int = 254


def spread(networks: list[Network]) -> list[Network]:
    """The networks each repeated by its room (a /24 once, a /18 64 times): taken in turn, servers
    fill every subnet at the same pace, and 10,000 of them fit the emulator's catalogue."""
    return [network for network in networks for _share in range(max(1, network.addresses // 256))]


def emulator_args(folder: Path, *, quota: int) -> list[str]:
    """The built-in credentials and project, with a quota the prefill and the requests fit in."""
    from modelarts_emulator import config
    from tests.fixtures.emulator import FAST_LIFECYCLE_ARGS

    document = {
        "region": config.DEFAULT_REGION,
        "domain": config.DEFAULT_IAM_DOMAIN,
        "projects": [
            {"id": config.DEFAULT_PROJECT_ID, "name": config.DEFAULT_PROJECT_NAME, "server_quota": quota}
        ],
        "access_keys": [
            {
                "access_key": config.DEFAULT_ACCESS_KEY,
                "secret_key": config.DEFAULT_SECRET_KEY,
                "user_id": config.DEFAULT_USER_ID,
                "user_name": config.DEFAULT_USER_NAME,
                "projects": [config.DEFAULT_PROJECT_ID],
            }
        ],
    }
    path = folder / "emulator-config.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return ["--config", str(path), *FAST_LIFECYCLE_ARGS]


def networks_of(client: ModelArtsClient) -> list[Network]:
    """Every subnet of the emulator's catalogue, each with a security group of its VPC."""
    networks = []
    for vpc in client.list_vpcs():
        group = client.list_security_groups(vpc.id)[0]
        networks.extend(
            Network(vpc.id, subnet.id, group.id, ipaddress.ip_network(subnet.cidr).num_addresses - 2)
            for subnet in client.list_subnets(vpc.id)
        )
    return networks


def prefill(client: ModelArtsClient, servers: int, networks: list[Network]) -> None:
    """`servers` other servers in the account, bought straight from the cloud, ten to a call."""
    from modelarts_client import CreateServerRequest, ServerNetwork
    from tests.dashboard import forms_data

    in_turn = spread(networks)

    def buy(number: int) -> None:
        network = in_turn[number % len(in_turn)]
        client.create_dev_server(
            CreateServerRequest(
                name=f"prefill-{number:04d}",
                count=min(PREFILL_PER_CALL, servers - number * PREFILL_PER_CALL),
                flavor=forms_data.SEED_FLAVOR,
                image_id=forms_data.SEED_IMAGE_ID,
                key_pair_name="KeyPair-dev",
                network=ServerNetwork(
                    vpc_id=network.vpc_id,
                    subnet_id=network.subnet_id,
                    security_group_id=network.security_group_id,
                ),
            )
        )

    with ThreadPoolExecutor(max_workers=PREFILL_THREADS) as pool:
        list(pool.map(buy, range(math.ceil(servers / PREFILL_PER_CALL))))
