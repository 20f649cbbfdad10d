"""System checks: settings a deployment gets wrong before the first request shows it."""

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from devservers import crypto


@register(Tags.security)
def check_secrets_encryption_keys(
    app_configs: list[AppConfig] | None, **kwargs: object
) -> list[CheckMessage]:
    """Also run by `check --deploy`: a bad key would otherwise fail only when a secret is first stored."""
    return [
        Error(problem, hint=crypto.KEYS_HINT, id="devservers.E001")
        for problem in crypto.key_problems(settings.SECRETS_ENCRYPTION_KEYS)
    ]
