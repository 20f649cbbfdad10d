"""IAM tokens kept in process memory only, one per (IAM endpoint, domain, user, project).

A token is never written to disk, a log or a cache server: losing it costs one more
token request, leaking it hands out the account for 24 hours.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from modelarts_client.results import IamToken

DOCUMENTED_TOKEN_LIFETIME = timedelta(hours=24)


@dataclass(frozen=True)
class TokenKey:
    iam_url: str
    domain_name: str
    user_name: str
    project_id: str


class TokenCache:
    def __init__(self) -> None:
        self._tokens: dict[TokenKey, IamToken] = {}
        self._lock = threading.Lock()
        # Held while a token is being issued, so many threads needing one cause one IAM call.
        self.issue_lock = threading.Lock()

    def usable(self, key: TokenKey, *, margin_seconds: float, now: datetime | None = None) -> IamToken | None:
        with self._lock:
            token = self._tokens.get(key)
        if token is None:
            return None
        current = now or datetime.now(UTC)
        if token.expires_at - current < timedelta(seconds=margin_seconds):
            return None
        return token

    def store(self, key: TokenKey, token: IamToken) -> None:
        with self._lock:
            self._tokens[key] = token

    def discard(self, key: TokenKey, token: IamToken) -> None:
        """Forget `token` unless another thread has already replaced it."""
        with self._lock:
            if self._tokens.get(key) == token:
                del self._tokens[key]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


TOKEN_CACHE = TokenCache()


def password_auth_body(*, domain_name: str, user_name: str, password: str, project_id: str) -> dict[str, Any]:
    return {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user_name, "password": password, "domain": {"name": domain_name}}
                },
            },
            "scope": {"project": {"id": project_id}},
        }
    }


def expiry_from_body(payload: Any, *, issued_at: datetime) -> datetime:
    token = payload.get("token") if isinstance(payload, dict) else None
    text = token.get("expires_at") if isinstance(token, dict) else None
    if isinstance(text, str):
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            moment = None
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return issued_at + DOCUMENTED_TOKEN_LIFETIME
