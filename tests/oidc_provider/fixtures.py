"""Pytest plugin: the test OpenID Connect provider as a subprocess on a free port, and `sso`, which
turns the dashboard's single sign-on on against it for one test."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_SECONDS = 15.0
CLIENT_ID = "devserver-dashboard"
# Made fresh for each run, so a test can look for it in logs and pages.
CLIENT_SECRET = "client-secret-" + secrets.token_hex(12)
PASSWORD = "provider-pass-1"
MAPPED_GROUP = "ml-research"
USERS = {
    "ada": {
        "sub": "subject-ada",
        "email": "ada@example.com",
        "email_verified": True,
        "given_name": "Ada",
        "family_name": "Lovelace",
        "groups": [MAPPED_GROUP, "everyone"],
    },
    "uma": {"sub": "subject-uma", "email": "uma@example.com", "email_verified": True, "groups": ["marketing"]},
    # Her ID tokens are signed by a key the provider does not publish.
    "mallory": {"sub": "subject-mallory", "email": "mallory@example.com", "groups": [MAPPED_GROUP],
                "sign_with": "rogue"},
}
_LISTENING_LINE = re.compile(r"OIDC provider listening on (http://\S+)")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider's issuer URL."""
    folder = tmp_path_factory.mktemp("oidc_provider")
    config = folder / "config.json"
    users = {name: {**claims, "password": PASSWORD} for name, claims in USERS.items()}
    config.write_text(json.dumps({"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "users": users}))
    output = folder / "output.log"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.oidc_provider", "--config", str(config)],
            cwd=PROJECT_ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        yield _wait_for_issuer(process, output)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_for_issuer(process: subprocess.Popen[bytes], output: Path) -> str:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if found := _LISTENING_LINE.search(output.read_text(errors="replace")):
            return found.group(1)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"the test OIDC provider did not start:\n{output.read_text(errors='replace')}")


@pytest.fixture
def sso(settings, oidc_provider: str) -> str:
    """Single sign-on on, against the test provider (endpoints from its discovery document)."""
    settings.OIDC_OP_ISSUER = oidc_provider
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Test IdP"
    return oidc_provider
