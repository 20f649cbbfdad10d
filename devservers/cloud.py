"""The one seam between the dashboard and the cloud: a client built from a CloudAccount row."""

from django.conf import settings

from devservers.crypto import decrypt_secret
from devservers.models import CloudAccount
from modelarts_client import AkSkCredentials, CloudConfig, IamCredentials, ModelArtsClient

# One client (and so one HTTP session and one IAM token) per account and process. The key holds
# the whole config, so an edited account gets a fresh client instead of a stale one.
_clients: dict[tuple, ModelArtsClient] = {}


def _credentials(account: CloudAccount) -> AkSkCredentials | IamCredentials:
    if account.auth_method == CloudAccount.AuthMethod.IAM:
        return IamCredentials(
            domain_name=account.iam_domain,
            user_name=account.iam_user,
            password=decrypt_secret(account.iam_password_encrypted),
        )
    return AkSkCredentials(
        access_key=account.access_key, secret_key=decrypt_secret(account.secret_key_encrypted)
    )


def cloud_config(account: CloudAccount) -> CloudConfig:
    return CloudConfig(
        region=account.region,
        project_id=account.project_id,
        credentials=_credentials(account),
        modelarts_endpoint=account.modelarts_endpoint,
        vpc_endpoint=account.vpc_endpoint,
        ecs_endpoint=account.ecs_endpoint,
        iam_endpoint=account.iam_endpoint,
        userdata_field=account.userdata_field,
        connect_timeout=settings.DEVSERVER_CLOUD_CONNECT_TIMEOUT,
        read_timeout=settings.DEVSERVER_CLOUD_READ_TIMEOUT,
    )


def client_for(account: CloudAccount) -> ModelArtsClient:
    config = cloud_config(account)
    cache_key = (account.pk, config)
    client = _clients.get(cache_key)
    if client is None:
        client = ModelArtsClient(config)
        _clients[cache_key] = client
    return client
