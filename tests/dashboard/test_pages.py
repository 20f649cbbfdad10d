"""Pages and fragments: login, who may see what, and live polls that cost nothing when nothing changed."""

import pytest
from django.urls import reverse

from devservers import live
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

from .forms_data import SEED_SUBNET_ID

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url_name", ["devservers:list", "devservers:create", "devservers:create-flavors"])
def test_it_asks_anonymous_users_to_log_in(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_asks_anonymous_users_to_log_in_on_detail_and_fragments(client, owner, account):
    devserver = make_devserver(owner, account)
    assert client.get(reverse("devservers:detail", args=[devserver.pk])).status_code == 302
    for url in (reverse("devservers:rows"), reverse("devservers:panel", args=[devserver.pk])):
        response = client.get(url, HTTP_HX_REQUEST="true")
        assert response["HX-Redirect"] == reverse("login")


def test_it_lists_only_the_users_own_servers(owner, outsider, account):
    make_devserver(owner, account, name="alice-box")
    make_devserver(outsider, account, name="charlie-box")

    page = logged_in(owner).get(reverse("devservers:list")).content.decode()

    assert "alice-box" in page
    assert "charlie-box" not in page


def test_an_outsider_gets_404_for_detail_and_panel(owner, outsider, account):
    devserver = make_devserver(owner, account)
    client = logged_in(outsider)
    assert client.get(reverse("devservers:detail", args=[devserver.pk])).status_code == 404
    assert (
        client.get(reverse("devservers:panel", args=[devserver.pk]), HTTP_HX_REQUEST="true").status_code
        == 404
    )
    assert (
        client.get(reverse("devservers:create") + f"?from={devserver.pk}").content.decode().count("row-1")
        == 0
    )


def test_an_outsider_cannot_replay_the_owners_poll_token(owner, outsider, account):
    devserver = make_devserver(owner, account)
    owners_token = live.view_token(user_id=owner.pk, scopes=[live.devserver_scope(devserver.pk)])

    response = logged_in(outsider).get(
        reverse("devservers:panel", args=[devserver.pk]), {"v": owners_token}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 404


def test_the_detail_page_shows_every_field_and_the_timeline(owner, account):
    devserver = make_devserver(
        owner, account, cloud_id="abc-123", private_ip="192.168.0.9", availability_zone="cn-north-4a",
        error_code="ModelArts.0104", error_msg="Invalid parameter: flavor unknown", error_request_id="req-9",
        last_response={"endpoints": [{"service": "SSH", "uri": "192.168.0.9"}]},
    )  # fmt: skip
    devserver.events.create(kind="status", status_from="CREATING", status_to="RUNNING", message="up")

    page = logged_in(owner).get(reverse("devservers:detail", args=[devserver.pk])).content.decode()

    for expected in (
        "abc-123",
        "192.168.0.9",
        "cn-north-4a",
        "KeyPair-dev",
        SEED_SUBNET_ID,
        "ModelArts.0104",
        "req-9",
    ):
        assert expected in page
    assert "CREATING → <strong>RUNNING</strong>" in page


def test_a_poll_with_nothing_new_runs_no_sql(owner, account, django_assert_num_queries):
    make_devserver(owner, account)
    client = logged_in(owner)
    page = client.get(reverse("devservers:list")).content.decode()
    token = page.split('hx-vals=\'{"v": "')[1].split('"')[0]

    with django_assert_num_queries(0):
        response = client.get(reverse("devservers:rows"), {"v": token}, HTTP_HX_REQUEST="true")

    assert response.status_code == 204


def test_a_poll_after_a_change_gets_the_new_rows_and_a_new_token(owner, account):
    client = logged_in(owner)
    page = client.get(reverse("devservers:list")).content.decode()
    token = page.split('hx-vals=\'{"v": "')[1].split('"')[0]
    make_devserver(owner, account, name="fresh-row")
    live._bump_now([live.owner_scope(owner.pk)])

    response = client.get(reverse("devservers:rows"), {"v": token}, HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert "fresh-row" in body
    assert token not in body
    assert 'id="totals"' in body and 'hx-swap-oob="true"' in body


def test_the_detail_panel_stops_polling_once_nothing_can_change(owner, account):
    client = logged_in(owner)
    changing = make_devserver(owner, account, name="busy", status="CREATING")
    finished = make_devserver(owner, account, name="gone", status="DELETED")

    busy_page = client.get(reverse("devservers:detail", args=[changing.pk])).content.decode()
    gone_page = client.get(reverse("devservers:detail", args=[finished.pk])).content.decode()

    assert "hx-trigger" in busy_page.split('id="devserver-panel"')[1].split(">")[0]
    assert "hx-trigger" not in gone_page.split('id="devserver-panel"')[1].split(">")[0]
