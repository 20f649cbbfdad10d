"""Single-server answers carry the cloud's X-Request-Id, which the dashboard's audit trail records."""

from tests.client.helpers import seed_request


def test_it_returns_the_request_id_of_a_create_and_of_an_action(cloud_client, emulator):
    created = cloud_client.create_dev_server(seed_request())
    shown = cloud_client.get_dev_server(created.id)

    assert created.request_id and len(created.request_id) >= 16
    assert shown.request_id and shown.request_id != created.request_id


def test_listed_servers_have_no_request_id_of_their_own(cloud_client, emulator):
    cloud_client.create_dev_server(seed_request())
    listed = next(cloud_client.iter_dev_servers())
    assert listed.request_id is None
