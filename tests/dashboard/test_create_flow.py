"""The create flow end to end: form post → intent row → a real Celery worker on Redis → the emulator over HTTP."""

import logging
import re

import pytest
import redis
from django.conf import settings
from django.http import HttpRequest
from django.test import Client

from devservers.models import REJECTED, DevServer
from tests.fixtures.dashboard import STOCK_PASSWORD, wait_for_status

from .forms_data import SEED_IMAGE_ID, SEED_SECURITY_GROUP_ID, SEED_SUBNET_ID, SEED_VPC_ID, valid_request

pytestmark = pytest.mark.django_db(transaction=True)


# How the cloud client logs the create call: "POST /v1/<project>/dev-servers -> 200 in 45 ms ...".
CREATE_CALL_LOG = re.compile(r"POST /v1/\w+/dev-servers -> ")


def values_in_redis(store: redis.Redis) -> list[bytes]:
    """Every string, list item, hash value and sorted-set member in the database; a key that expired
    between the scan and the read holds nothing."""
    values: list[bytes] = []
    for key in store.scan_iter():
        kind = store.type(key)
        if kind == b"string":
            if (value := store.get(key)) is not None:
                values.append(value)
        elif kind == b"list":
            values += store.lrange(key, 0, -1)
        elif kind == b"hash":
            values += store.hvals(key)
        elif kind == b"zset":
            values += store.zrange(key, 0, -1)
    return values


@pytest.fixture
def browser(owner) -> Client:
    client = Client()
    assert client.login(request=HttpRequest(), username=owner.username, password=STOCK_PASSWORD)
    return client


def test_it_creates_a_server_that_goes_from_creating_to_running(browser, account, celery_worker, emulator):
    response = browser.post("/devservers/new/", valid_request(name="flow-running"))

    assert response.status_code == 302
    devserver = DevServer.objects.get(name="flow-running")
    running = wait_for_status(devserver, {"RUNNING"})
    assert running.cloud_id
    assert running.private_ip
    assert running.last_response["status"] == "RUNNING"
    seen = list(running.events.filter(kind="status").values_list("status_to", flat=True))
    assert seen[:3] == ["SUBMITTING", "CREATING", "RUNNING"][: len(seen[:3])]
    assert "CREATING" in seen and seen[-1] == "RUNNING"
    assert emulator.counters()["POST /v1/{project_id}/dev-servers"] == 1


def test_a_data_disk_is_created_and_listed_on_the_detail_page(browser, account, celery_worker, emulator):
    browser.post(
        "/devservers/new/",
        valid_request(name="flow-disks", data_volume_type="GPSSD", data_volume_size=500, data_volume_count=2),
    )

    running = wait_for_status(DevServer.objects.get(name="flow-disks"), {"RUNNING"})

    data_disks = [volume for volume in running.volumes if volume["type"] == "DATA"]
    assert [(disk["size"], disk["evs_type"]) for disk in data_disks] == [(500, "GPSSD"), (500, "GPSSD")]
    assert all(disk["evs_id"] for disk in data_disks)
    page = browser.get(f"/devservers/{running.pk}/").content.decode()
    assert "2 × 500 GB GPSSD" in page
    disks_table = page.split('class="grid volumes"')[1].split("</table>")[0]
    assert disks_table.count("<td>data</td>") == 2
    assert data_disks[0]["evs_id"] in disks_table


def test_create_failed_says_the_cloud_gives_no_reason(browser, account, celery_worker, emulator):
    emulator.set_faults(create_failed_rate=1.0)

    browser.post("/devservers/new/", valid_request(name="flow-failed"))

    devserver = wait_for_status(DevServer.objects.get(name="flow-failed"), {"CREATE_FAILED"})
    page = browser.get(f"/devservers/{devserver.pk}/").content.decode()
    assert "Create failed" in page
    assert "gives no reason through its API" in page
    # The emulator's endpoint is not Huawei Cloud's: no console link to a console that is not there.
    assert "console.huaweicloud.com" not in page
    assert "there is no console to look in" in page


def test_a_cloud_refusal_is_shown_at_its_field_on_resubmit(browser, account, celery_worker, emulator):
    # A row the form would have refused (unknown flavor) shows what happens when the cloud refuses.
    clash = DevServer.objects.create(
        owner=DevServer._meta.get_field("owner").related_model.objects.get(username="alice"),
        account=account,
        name="flow-clash",
        flavor="nope",
        image_id=SEED_IMAGE_ID,
        vpc_id=SEED_VPC_ID,
        subnet_id=SEED_SUBNET_ID,
        security_group_id=SEED_SECURITY_GROUP_ID,
        login_method="key_pair",
        key_pair_name="KeyPair-dev",
    )
    from devservers import tasks

    tasks.submit_devserver.delay(clash.pk)
    rejected = wait_for_status(clash, {REJECTED})
    assert rejected.error_code == "ModelArts.0104"
    assert "flavor" in rejected.error_msg

    form_page = browser.get(f"/devservers/new/?from={clash.pk}").content.decode()
    flavor_block = form_page.split('id="flavor-table"')[1].split("</div>")[0]
    assert rejected.error_msg in flavor_block
    assert 'value="flow-clash"' in form_page


def test_count_three_gives_three_tracked_servers(browser, account, celery_worker, emulator):
    browser.post("/devservers/new/", valid_request(name="trio", count=3))

    rows = list(DevServer.objects.filter(name__startswith="trio").order_by("name"))
    assert [row.name for row in rows] == ["trio-1", "trio-2", "trio-3"]
    for row in rows:
        wait_for_status(row, {"RUNNING"})
    cloud_ids = {row.cloud_id for row in DevServer.objects.filter(name__startswith="trio")}
    assert len(cloud_ids) == 3 and "" not in cloud_ids


def test_the_password_leaves_no_trace(browser, account, celery_worker, emulator, caplog):
    password = "Uniq!Pw-7342zq"
    caplog.set_level(logging.DEBUG)

    browser.post(
        "/devservers/new/", valid_request(name="secretive", admin_pass=password, admin_pass_confirm=password)
    )
    devserver = wait_for_status(DevServer.objects.get(name="secretive"), {"RUNNING"})

    assert devserver.admin_pass_encrypted == ""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("devservers_devserver", "devservers_devserverevent"):
            cursor.execute(f"SELECT * FROM {table}")
            assert password not in repr(cursor.fetchall())
    stored = values_in_redis(redis.Redis.from_url(settings.REDIS_URL))
    assert [value for value in stored if password.encode() in value] == []
    assert password not in caplog.text
    logged_create_calls = [record for record in caplog.records if CREATE_CALL_LOG.match(record.getMessage())]
    assert logged_create_calls, (
        "the create call that carried the password was not logged: the check proves nothing"
    )
