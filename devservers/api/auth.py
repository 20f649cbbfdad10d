"""Who calls: a personal access token (`Authorization: Bearer …`), else the browser's session with CSRF."""

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from devservers.api.ratelimit import check_rate
from devservers.api.tokens import token_for_secret


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = token_for_secret(token)
        if found is None:
            return None
        check_rate(found.pk)
        request.user = found.user
        request.api_token = found
        return found.user


# Token first: a script never carries a session; the browser's session (with its CSRF check) second.
API_AUTH = [TokenAuth(), django_auth]
