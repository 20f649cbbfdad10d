"""Headers on every page: a Content-Security-Policy with no inline script or style (and templates with
nothing inline for it to refuse), and `Cache-Control: private, no-store` on logged-in pages."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# What a Content-Security-Policy without 'unsafe-inline' refuses, as it would appear in a template.
INLINE_CODE = {
    "an inline <script> block": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an inline <style> block": re.compile(r"<style\b", re.IGNORECASE),
    "a style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "an on…= event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "an hx-on attribute (inline script)": re.compile(r"\s(data-)?hx-on", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx's js: values (eval)": re.compile(r"hx-(vals|vars)\s*=\s*['\"]\s*(js|javascript):", re.IGNORECASE),
}


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for directive in header.split(";"):
        name, *values = directive.split()
        parsed[name] = values
    return parsed


def test_no_template_holds_inline_script_or_style():
    found = [
        f"{path.relative_to(TEMPLATES)}:{number}: {what}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for what, pattern in INLINE_CODE.items()
        if pattern.search(line)
    ]
    assert found == [], "inline code the Content-Security-Policy refuses:\n" + "\n".join(found)


def test_every_page_carries_a_policy_without_inline_script_or_style(owner, account):
    row = make_devserver(owner, account)
    client = logged_in(owner)

    for url in (reverse("devservers:list"), reverse("devservers:detail", args=[row.pk]), "/accounts/login/"):
        policy = directives(client.get(url))
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["default-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], url


def test_htmx_is_told_not_to_inject_its_style_nor_eval(owner):
    page = logged_in(owner).get(reverse("devservers:teams")).content.decode()

    config = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', page)
    assert config, "no htmx-config meta"
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)


def test_logged_in_pages_and_fragments_are_private_and_not_stored(owner, account):
    row = make_devserver(owner, account)
    client = logged_in(owner)

    for url, headers in (
        (reverse("devservers:list"), {}),
        (reverse("devservers:detail", args=[row.pk]), {}),
        (reverse("devservers:rows"), {"HTTP_HX_REQUEST": "true"}),
        (reverse("devservers:teams"), {}),
    ):
        cache_control = {part.strip() for part in client.get(url, **headers)["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= cache_control, (url, cache_control)


def test_a_page_for_nobody_in_particular_is_left_cacheable(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
