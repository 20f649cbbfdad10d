"""Single sign-on against the test OpenID Connect provider (a real subprocess): the login, the
refusals (state, nonce, signature, a replayed code, a provider that is down) without a 500, the
client secret never shown, and django-axes and the session limits still in force."""

import logging

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dashboard.middleware import SESSION_STARTED
from devservers.models import SsoIdentity, Team
from tests.fixtures.dashboard import STOCK_PASSWORD
from tests.oidc_provider.fixtures import CLIENT_SECRET, MAPPED_GROUP
from tests.oidc_provider.flow import START, come_back, sign_in, sign_in_at_provider, start, with_query

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
CALLBACK = "/accounts/sso/callback/"
FAILED = "Single sign-on did not complete"


@pytest.fixture
def mapped_team(db) -> Team:
    return Team.objects.create(name="ML research", sso_group=MAPPED_GROUP)


def signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.filter(pk=user_id).first() if user_id else None


def refused(response, client: Client) -> bool:
    """Back on the login page with the message, nobody signed in."""
    if response.status_code != 302 or response["Location"] != LOGIN or signed_in_user(client):
        return False
    return FAILED in client.get(LOGIN).content.decode()


def test_it_is_off_and_invisible_when_not_configured(db):
    client = Client()

    assert 'data-testid="sso-login"' not in client.get(LOGIN).content.decode()
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404


def test_the_login_page_offers_it_beside_the_password_when_configured(sso):
    page = Client().get(LOGIN, {"next": "/devservers/teams/"}).content.decode()

    assert 'data-testid="sso-login"' in page and "Sign in with Test IdP" in page
    assert 'href="/accounts/sso/start/?next=/devservers/teams/"' in page
    assert 'name="password"' in page


def test_a_user_signs_in_and_lands_in_the_team_their_group_names(sso, mapped_team):
    client = Client()

    response = sign_in(client, "ada")

    user = signed_in_user(client)
    assert user is not None and response.status_code == 302 and response["Location"] == "/devservers/"
    assert (user.username, user.email, user.get_full_name()) == ("ada", "ada@example.com", "Ada Lovelace")
    membership = mapped_team.memberships.get(user=user)
    assert membership.granted_by_sso and membership.role == "member"
    assert SsoIdentity.objects.get(user=user).subject == "subject-ada"
    entry = mapped_team.audit_entries.get(action="membership")
    assert entry.actor == user and "single sign-on: added ada as member" in entry.detail
    assert SESSION_STARTED in client.session  # the session limits apply to SSO sessions too


def test_the_next_page_is_kept_only_when_it_is_on_this_site(sso, mapped_team):
    assert sign_in(Client(), "ada", next_url="/devservers/teams/")["Location"] == "/devservers/teams/"
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        assert sign_in(Client(), "ada", next_url=evil)["Location"] == "/devservers/", evil


def test_a_second_login_is_the_same_user_and_adds_no_second_membership(sso, mapped_team):
    sign_in(Client(), "ada")
    sign_in(Client(), "ada")

    assert User.objects.filter(email="ada@example.com").count() == 1
    assert mapped_team.memberships.count() == 1
    assert mapped_team.audit_entries.filter(action="membership").count() == 1


def test_an_unknown_state_is_refused(sso, mapped_team):
    client = Client()
    callback = sign_in_at_provider(start(client), "ada")

    response = come_back(client, with_query(callback, state="forged-state"))

    assert refused(response, client)
    assert not User.objects.filter(email="ada@example.com").exists()


def test_a_callback_in_a_session_that_started_no_login_is_refused(sso, mapped_team):
    callback = sign_in_at_provider(start(Client()), "ada")
    other_browser = Client()

    assert refused(come_back(other_browser, callback), other_browser)


def test_a_token_with_another_nonce_is_refused(sso, mapped_team):
    client = Client()
    callback = sign_in_at_provider(start(client), "ada", nonce="not-the-nonce-we-sent")

    assert refused(come_back(client, callback), client)
    assert not User.objects.filter(email="ada@example.com").exists()


def test_a_token_signed_by_a_key_the_provider_does_not_publish_is_refused(sso, mapped_team):
    client = Client()

    assert refused(sign_in(client, "mallory"), client)
    assert not User.objects.filter(email="mallory@example.com").exists()
    assert not mapped_team.memberships.exists()


def test_a_replayed_callback_is_refused(sso, mapped_team):
    client = Client()
    callback = sign_in_at_provider(start(client), "ada")
    come_back(client, callback)
    client.logout()

    assert refused(come_back(client, callback), client)


def test_the_providers_error_answer_is_refused(sso):
    client = Client()
    start(client)

    assert refused(client.get(CALLBACK, {"error": "access_denied", "state": "x"}), client)


def test_a_provider_that_is_down_is_a_message_and_passwords_still_work(sso, settings, owner):
    settings.OIDC_OP_ISSUER = "http://127.0.0.1:9"  # discard port: nothing answers
    client = Client()

    assert refused(client.get(START), client)
    response = client.post(LOGIN, {"username": owner.username, "password": STOCK_PASSWORD})
    assert response.status_code == 302 and signed_in_user(client) == owner


def test_an_address_locked_out_by_password_failures_cannot_sign_in_through_sso(sso, settings, mapped_team):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"username": "nobody", "password": "wrong"})

    response = sign_in(client, "ada")

    assert response.status_code == 429 and "Too many failed logins" in response.content.decode()
    assert signed_in_user(client) is None


def test_the_client_secret_is_never_logged_nor_shown(sso, mapped_team, caplog):
    caplog.set_level(logging.DEBUG)
    client = Client()
    pages = [client.get(LOGIN), sign_in(client, "ada"), client.get("/accounts/sso/no-team/")]
    mallory = Client()
    pages.append(sign_in(mallory, "mallory"))
    pages.append(mallory.get(LOGIN))

    assert "Single sign-on refused" in caplog.text  # the refusal is logged…
    assert CLIENT_SECRET not in caplog.text  # …and the secret is not
    assert all(CLIENT_SECRET not in page.content.decode() for page in pages)


def test_endpoints_set_in_the_environment_are_used_and_a_token_from_another_issuer_is_refused(
    sso, settings, mapped_team
):
    for setting, path in [
        ("OIDC_OP_AUTHORIZATION_ENDPOINT", "/authorize"),
        ("OIDC_OP_TOKEN_ENDPOINT", "/token"),
        ("OIDC_OP_USER_ENDPOINT", "/userinfo"),
        ("OIDC_OP_JWKS_ENDPOINT", "/jwks"),
    ]:
        setattr(settings, setting, sso + path)
    settings.OIDC_OP_ISSUER = "https://login.other.example"  # no discovery: the endpoints are set
    client = Client()

    assert refused(sign_in(client, "ada"), client)
    assert not mapped_team.memberships.exists()


def test_a_discovery_document_for_another_issuer_is_refused(sso, settings):
    settings.OIDC_OP_ISSUER = sso + "/"  # the document names the issuer without the slash
    client = Client()

    assert refused(client.get(START), client)


def test_a_token_endpoint_that_refuses_our_client_is_a_message_and_the_secret_stays_out_of_the_log(
    sso, settings, mapped_team, caplog
):
    settings.OIDC_RP_CLIENT_SECRET = "a-wrong-secret-" + CLIENT_SECRET[::-1]
    client = Client()

    assert refused(sign_in(client, "ada"), client)
    assert "invalid_client" in caplog.text and settings.OIDC_RP_CLIENT_SECRET not in caplog.text


def test_without_a_provider_name_the_button_says_single_sign_on(sso, settings):
    settings.OIDC_PROVIDER_NAME = ""

    assert "Sign in with single sign-on" in Client().get(LOGIN).content.decode()
