from django.conf import settings
from django.http import HttpRequest

from devservers.sso.config import sso_enabled


def login_options(request: HttpRequest) -> dict[str, object]:
    """The login page's "Sign in with …" button: shown only when single sign-on is on, naming the
    provider when the environment does."""
    return {"sso_enabled": sso_enabled(), "sso_provider_name": settings.OIDC_PROVIDER_NAME}
