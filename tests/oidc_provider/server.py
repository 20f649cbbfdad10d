"""A small OpenID Connect provider: discovery, an authorization endpoint with a login form, a token
endpoint (client secret, PKCE S256), JWKS, userinfo, and RS256-signed ID tokens.

    python -m tests.oidc_provider --config users.json [--port 0]

The config holds the client (`client_id`, `client_secret`) and `users`: name → password, sub, email,
email_verified, given_name, family_name, groups, and optionally `"sign_with": "rogue"`, whose ID
tokens are signed by a key the JWKS does not publish (under the published key's id). It prints
"OIDC provider listening on <issuer>" once it answers.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_ID = "test-key"
TOKEN_SECONDS = 300


class Provider:
    def __init__(self, config: dict[str, Any], issuer: str) -> None:
        self.issuer = issuer
        self.client_id: str = config["client_id"]
        self.client_secret: str = config["client_secret"]
        self.users: dict[str, dict[str, Any]] = config["users"]
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.rogue_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.codes: dict[str, dict[str, Any]] = {}
        self.access_tokens: dict[str, str] = {}
        self.lock = threading.Lock()

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "groups"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "given_name", "family_name", "groups"],
        }

    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}

    def claims_of(self, username: str) -> dict[str, Any]:
        user = self.users[username]
        names = ("sub", "email", "email_verified", "given_name", "family_name", "groups")
        return {"preferred_username": username, **{name: user[name] for name in names if name in user}}

    def id_token(self, grant: dict[str, Any]) -> str:
        now = int(time.time())
        claims = {
            **self.claims_of(grant["username"]),
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + TOKEN_SECONDS,
        }
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        rogue = self.users[grant["username"]].get("sign_with") == "rogue"
        key = self.rogue_key if rogue else self.key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": KEY_ID})

    def grant_code(self, params: dict[str, str], username: str) -> str:
        code = secrets.token_urlsafe(24)
        with self.lock:
            self.codes[code] = {**params, "username": username}
        return code

    def exchange(self, form: dict[str, str], basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret", ""))
        if client_id != self.client_id or not secrets.compare_digest(secret, self.client_secret):
            return 401, {"error": "invalid_client"}
        if form.get("grant_type") != "authorization_code":
            return 400, {"error": "unsupported_grant_type"}
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or grant.get("redirect_uri") != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        if grant.get("code_challenge") and _s256(form.get("code_verifier", "")) != grant["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        access_token = secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[access_token] = grant["username"]
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "id_token": self.id_token(grant),
        }
        return 200, body


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


LOGIN_FORM = """<!doctype html><html><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>{error}
<form method="post" action="/authorize">{hidden}
<label for="username">User name</label> <input id="username" name="username">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Sign in</button></form></body></html>"""


class Handler(BaseHTTPRequestHandler):
    provider: Provider

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        fields = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
        return {name: values[0] for name, values in fields.items()}

    def _login_page(self, params: dict[str, str], error: str = "") -> None:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(name)}" value="{html.escape(value)}">'
            for name, value in params.items()
            if name not in ("username", "password")
        )
        message = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        self._send(200, LOGIN_FORM.format(error=message, hidden=hidden).encode(), "text/html; charset=utf-8")

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {name: values[0] for name, values in parse_qs(url.query).items()}
        provider = self.provider
        if url.path == "/.well-known/openid-configuration":
            self._json(200, provider.discovery())
        elif url.path == "/jwks":
            self._json(200, provider.jwks())
        elif url.path == "/authorize":
            if params.get("client_id") != provider.client_id or params.get("response_type") != "code":
                self._json(400, {"error": "invalid_request"})
            else:
                self._login_page(params)
        elif url.path == "/userinfo":
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            username = provider.access_tokens.get(token)
            if username is None:
                self._json(401, {"error": "invalid_token"})
            else:
                self._json(200, provider.claims_of(username))
        else:
            self._json(404, {"error": "not_found"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        form = self._form()
        if path == "/authorize":
            self._authorize(form)
        elif path == "/token":
            status, body = self.provider.exchange(form, self._basic_auth())
            self._json(status, body)
        else:
            self._json(404, {"error": "not_found"})

    def _authorize(self, form: dict[str, str]) -> None:
        user = self.provider.users.get(form.get("username", ""))
        if user is None or not secrets.compare_digest(form.get("password", ""), user["password"]):
            self._login_page(form, "Wrong user name or password.")
            return
        params = {name: value for name, value in form.items() if name not in ("username", "password")}
        code = self.provider.grant_code(params, form["username"])
        answer = urlencode({"code": code, "state": params.get("state", "")})
        self._send(302, b"", "text/plain", {"Location": f"{params['redirect_uri']}?{answer}"})

    def _basic_auth(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        client_id, _, secret = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
        return client_id, secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    with open(arguments.config, encoding="utf-8") as config_file:
        config = json.load(config_file)
    server = ThreadingHTTPServer((arguments.host, arguments.port), Handler)
    issuer = f"http://{arguments.host}:{server.server_address[1]}"
    Handler.provider = Provider(config, issuer)
    print(f"OIDC provider listening on {issuer}", flush=True)
    server.serve_forever()
