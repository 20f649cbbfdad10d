"""Cloud accounts in Django admin: secrets typed once, stored encrypted, never shown back, and they work."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from devservers.cloud import client_for
from devservers.models import CloudAccount
from tests.fixtures.dashboard import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root", password="root-pass-1234")


def account_form(emulator, **overrides) -> dict[str, str]:
    data = {
        "name": "Real-ish",
        "region": emulator.region,
        "project_id": emulator.project_id,
        "is_active": "on",
        "userdata_field": "userdata",
        "currency": "CNY",
        "modelarts_endpoint": emulator.base_url,
        "vpc_endpoint": emulator.base_url,
        "ecs_endpoint": emulator.base_url,
        "iam_endpoint": emulator.base_url,
        "auth_method": "AKSK",
        "access_key": emulator.access_key,
        "secret_key": emulator.secret_key,
        "iam_domain": "",
        "iam_user": "",
        "iam_password": "",
    }
    data.update(overrides)
    return data


def test_an_ak_sk_account_is_stored_encrypted_never_shown_and_signs_real_calls(superuser, emulator):
    client = logged_in(superuser)

    response = client.post(reverse("admin:devservers_cloudaccount_add"), account_form(emulator))

    assert response.status_code == 302, response.content.decode()[:2000]
    account = CloudAccount.objects.get(name="Real-ish")
    assert account.secret_key_encrypted and emulator.secret_key not in account.secret_key_encrypted
    change_page = client.get(
        reverse("admin:devservers_cloudaccount_change", args=[account.pk])
    ).content.decode()
    assert emulator.secret_key not in change_page
    assert client_for(account).list_flavors()


def test_an_iam_account_gets_a_token_from_the_password_it_stores_encrypted(superuser, emulator):
    form = account_form(
        emulator, name="Token", auth_method="IAM", access_key="", secret_key="",
        iam_domain=emulator.iam_domain, iam_user=emulator.iam_user, iam_password=emulator.iam_password,
    )  # fmt: skip
    assert logged_in(superuser).post(reverse("admin:devservers_cloudaccount_add"), form).status_code == 302

    account = CloudAccount.objects.get(name="Token")
    assert emulator.iam_password not in account.iam_password_encrypted
    assert client_for(account).list_vpcs()


def test_leaving_the_secret_empty_keeps_the_stored_one(superuser, emulator):
    client = logged_in(superuser)
    client.post(reverse("admin:devservers_cloudaccount_add"), account_form(emulator))
    account = CloudAccount.objects.get(name="Real-ish")
    stored = account.secret_key_encrypted

    client.post(
        reverse("admin:devservers_cloudaccount_change", args=[account.pk]),
        account_form(emulator, secret_key="", region=emulator.region),
    )

    account.refresh_from_db()
    assert account.secret_key_encrypted == stored


def test_missing_credentials_are_named_at_their_fields(superuser, emulator):
    response = logged_in(superuser).post(
        reverse("admin:devservers_cloudaccount_add"), account_form(emulator, access_key="", secret_key="")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "AK/SK signing needs an access key." in page and "AK/SK signing needs a secret key." in page
    assert not CloudAccount.objects.filter(name="Real-ish").exists()
