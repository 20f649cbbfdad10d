"""A plain-Python client for the ModelArts DevServer API and the neighbouring services a create form needs.

It imports nothing from Django: the dashboard, the emulator's tests and a shell session use it alike.
"""

from modelarts_client import statuses
from modelarts_client.bodies import ChargingInfo, CreateServerRequest, DataVolume, RootVolume, ServerNetwork
from modelarts_client.client import ModelArtsClient
from modelarts_client.config import AkSkCredentials, CloudConfig, IamCredentials
from modelarts_client.errors import CloudError, ErrorKind
from modelarts_client.results import (
    CloudServer,
    DevServer,
    Endpoint,
    Flavor,
    FlavorRow,
    IamToken,
    KeyPair,
    Page,
    SecurityGroup,
    ServerImage,
    Subnet,
    Volume,
    Vpc,
    group_flavor_rows,
)

__all__ = [
    "AkSkCredentials",
    "ChargingInfo",
    "CloudConfig",
    "CloudError",
    "CloudServer",
    "CreateServerRequest",
    "DataVolume",
    "DevServer",
    "Endpoint",
    "ErrorKind",
    "Flavor",
    "FlavorRow",
    "IamCredentials",
    "IamToken",
    "KeyPair",
    "ModelArtsClient",
    "Page",
    "RootVolume",
    "SecurityGroup",
    "ServerImage",
    "ServerNetwork",
    "Subnet",
    "Volume",
    "Vpc",
    "group_flavor_rows",
    "statuses",
]
