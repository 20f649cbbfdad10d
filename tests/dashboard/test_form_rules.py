"""Every rule the cloud applies is checked by the form first: one bad value per rule, the message at its field."""

import pytest
from django.http import HttpRequest
from django.test import Client

from devservers import catalog
from devservers.cloud import client_for
from devservers.models import DevServer
from devservers.provisioning import submit
from devservers.provisioning.submit import create_request_for
from devservers.requesting import services as requesting
from devservers.requesting.forms import DevServerRequestForm
from modelarts_client.errors import NAME_TAKEN_CODE
from tests.fixtures.dashboard import STOCK_PASSWORD, logged_in

from .forms_data import GOOD_PASSWORD, valid_request

BAD_VALUES = [
    # (field with the message, overrides, words the message contains)
    ("name", {"name": ""}, "required"),
    ("name", {"name": "has space"}, "letters, digits"),
    ("name", {"name": "x" * 65}, "at most 64"),
    ("name", {"name": "x" * 63, "count": 3}, "suffix"),
    ("count", {"count": 0}, "greater than or equal to 1"),
    ("count", {"count": 11}, "less than or equal to 10"),
    ("availability_zone", {"availability_zone": "mars-1a"}, "valid choice"),
    ("server_type", {"server_type": "HPC"}, "valid choice"),
    ("arch", {"arch": "RISCV"}, "valid choice"),
    ("flavor", {"flavor": "no.such.flavor"}, "valid choice"),
    ("flavor", {"flavor": "p2s.2xlarge.8", "arch": "ARM"}, "X86 flavor"),
    ("flavor", {"flavor": "physical.p2.large"}, "BMS flavor"),
    ("image_id", {"image_id": "00000000-0000-0000-0000-000000000000"}, "valid choice"),
    ("vpc_id", {"vpc_id": "not-a-vpc"}, "valid choice"),
    ("subnet_id", {"subnet_id": "00000000-0000-0000-0000-000000000001"}, "subnet of the selected VPC"),
    ("security_group_id", {"security_group_id": "x"}, "security group of the selected VPC"),
    ("roce_id", {"roce_id": "not-a-uuid", "server_type": "ECS"}, "UUID"),
    ("roce_id", {"roce_id": "7d0cf2a1-0c1b-4b8e-9d2f-5a6b7c8d9e0f"}, "bare-metal"),
    ("login_method", {"login_method": "telepathy"}, "valid choice"),
    ("admin_pass", {"admin_pass": "", "admin_pass_confirm": ""}, "Type a password"),
    ("admin_pass", {"admin_pass": "Ab1!", "admin_pass_confirm": "Ab1!"}, "8 to 26 characters"),
    ("admin_pass", {"admin_pass": "A" * 9 + "b1!" * 6, "admin_pass_confirm": "A" * 9 + "b1!" * 6}, "8 to 26"),
    ("admin_pass", {"admin_pass": "alllowercase1", "admin_pass_confirm": "alllowercase1"}, "three of"),
    ("admin_pass", {"admin_pass": "Abcdefg1#", "admin_pass_confirm": "Abcdefg1#"}, "Only letters, digits"),
    ("admin_pass", {"admin_pass": "MyRoot!2024", "admin_pass_confirm": "MyRoot!2024"}, "root, administrator"),
    ("admin_pass", {"admin_pass": "Toor!2024x", "admin_pass_confirm": "Toor!2024x"}, "root, administrator"),
    (
        "admin_pass",
        {"admin_pass": "Rotartsinimda1!", "admin_pass_confirm": "Rotartsinimda1!"},
        "administrator",
    ),
    ("admin_pass_confirm", {"admin_pass_confirm": GOOD_PASSWORD + "x"}, "differ"),
    ("key_pair_name", {"login_method": "key_pair", "key_pair_name": ""}, "Choose a key pair"),
    ("key_pair_name", {"login_method": "key_pair", "key_pair_name": "KeyPair-nope"}, "valid choice"),
    ("root_volume_type", {"root_volume_type": "FLOPPY"}, "valid choice"),
    ("root_volume_size", {"root_volume_size": 99}, "greater than or equal to 100"),
    ("root_volume_size", {"root_volume_size": 1025}, "less than or equal to 1024"),
    ("data_volume_type", {"data_volume_type": "TAPE", "data_volume_size": 200}, "valid choice"),
    ("data_volume_type", {"data_volume_size": 200}, "Choose a disk type"),
    ("data_volume_size", {"data_volume_type": "SSD"}, "Give the data disk a size"),
    ("data_volume_size", {"data_volume_type": "SSD", "data_volume_size": 99}, "greater than or equal to 100"),
    (
        "data_volume_size",
        {"data_volume_type": "SSD", "data_volume_size": 32769},
        "less than or equal to 32768",
    ),
    (
        "data_volume_count",
        {"data_volume_type": "SSD", "data_volume_size": 200, "data_volume_count": 0},
        "greater than or equal to 1",
    ),
    (
        "data_volume_count",
        {"data_volume_type": "SSD", "data_volume_size": 200, "data_volume_count": 9},
        "less than or equal to 8",
    ),
    ("charging_mode", {"charging_mode": "FREE"}, "valid choice"),
    (
        "charging_mode",
        {"flavor": "physical.kat2ne.48xlarge.8.313t", "server_type": "BMS", "arch": "ARM", "image_id": ""},
        "cannot be bought pay-per-use",
    ),
    ("period_type", {"charging_mode": "PRE_PAID", "period_type": "", "period_num": 1}, "need a period"),
    ("period_type", {"charging_mode": "PRE_PAID", "period_type": "DECADE", "period_num": 1}, "valid choice"),
    (
        "period_num",
        {"charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": ""},
        "number of periods",
    ),
    (
        "period_num",
        {"charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 12},
        "less than or equal to 11",
    ),
    (
        "period_num",
        {"charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 0},
        "greater than or equal",
    ),
    ("userdata_script", {"userdata_script": "#" * (32 * 1024 + 1)}, "at most 32,768"),
    ("enterprise_project_id", {"enterprise_project_id": "bad id!"}, "letters, digits"),
    ("enterprise_project_id", {"enterprise_project_id": "x" * 37}, "at most 36"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "overrides", "words"), BAD_VALUES, ids=[f"{row[0]}-{i}" for i, row in enumerate(BAD_VALUES)]
)
def test_it_refuses_one_bad_value_per_rule_at_its_field(account, field, overrides, words):
    form = DevServerRequestForm(valid_request(**overrides), account=account)

    assert not form.is_valid()
    messages = " ".join(form.errors.get(field, []))
    assert words.lower() in messages.lower(), f"{field}: {form.errors.as_data()}"


@pytest.mark.django_db
def test_a_valid_request_passes(account):
    form = DevServerRequestForm(valid_request(), account=account)
    assert form.is_valid(), form.errors.as_data()
    spec = form.to_spec()
    assert spec.image_name == "Ubuntu18.04_x86_64_CPU"


@pytest.mark.django_db
def test_a_data_disk_goes_into_the_spec(account):
    form = DevServerRequestForm(
        valid_request(data_volume_type="GPSSD", data_volume_size=500, data_volume_count=""), account=account
    )
    assert form.is_valid(), form.errors.as_data()
    spec = form.to_spec()
    assert (spec.data_volume_type, spec.data_volume_size, spec.data_volume_count) == ("GPSSD", 500, 1)


@pytest.mark.django_db
def test_a_sold_out_flavor_is_refused(account):
    sold_out = next(flavor for flavor in catalog.flavors(account) if flavor.sold_out)
    form = DevServerRequestForm(
        valid_request(
            flavor=sold_out.name, server_type=sold_out.server_type, arch=sold_out.arch, image_id=""
        ),
        account=account,
    )
    assert not form.is_valid()
    assert "sold out" in " ".join(form.errors["flavor"])


@pytest.mark.django_db
def test_an_image_that_does_not_fit_the_flavor_is_refused(account):
    fits_cpu = {image.image_id for image in catalog.images_for_flavor(account, "Si2.large.4")}
    misfit = next(
        image
        for image in catalog.images_for_flavor(account, "p2s.2xlarge.8")
        if image.image_id not in fits_cpu
    )
    form = DevServerRequestForm(valid_request(image_id=misfit.image_id), account=account)
    assert not form.is_valid()
    assert "image_id" in form.errors


@pytest.mark.django_db
def test_a_name_taken_in_the_cloud_is_found_by_the_worker_and_shown_at_the_name_field(
    account, emulator, owner
):
    # Another server, of another flavor, already has the name in the cloud.
    other = DevServer(
        account=account, name="taken-in-cloud", flavor="Si2.xlarge.4", image_id=valid_request()["image_id"],
        vpc_id=valid_request()["vpc_id"], subnet_id=valid_request()["subnet_id"],
        security_group_id=valid_request()["security_group_id"], login_method="key_pair", key_pair_name="KeyPair-dev",
    )  # fmt: skip
    client_for(account).create_dev_server(create_request_for(other))
    calls_before = sum(emulator.counters().values())

    form = DevServerRequestForm(valid_request(name="taken-in-cloud"), account=account)
    assert form.is_valid(), form.errors.as_data()
    assert sum(emulator.counters().values()) == calls_before  # the form asked the cloud nothing
    (row,) = requesting.devserver_request(
        owner=owner, account=account, spec=form.to_spec(), admin_pass=GOOD_PASSWORD
    )
    submit.submit_devserver(devserver_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.error_code) == ("REJECTED", NAME_TAKEN_CODE)
    page = logged_in(owner).get(f"/devservers/new/?from={row.pk}").content.decode()
    assert "already used by another server" in page.split('id="field-name"')[1].split("</div>")[0]


@pytest.mark.django_db
def test_a_bad_post_keeps_everything_but_the_password(account, owner):
    client = Client()
    client.login(request=HttpRequest(), username=owner.username, password=STOCK_PASSWORD)
    script = "#!/bin/sh\necho kept"

    response = client.post(
        "/devservers/new/",
        valid_request(name="keep-me", admin_pass="weak", admin_pass_confirm="weak", userdata_script=script),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="keep-me"' in page
    assert "echo kept" in page
    assert 'value="weak"' not in page
    assert "8 to 26 characters" in page.split('id="field-admin_pass"')[1].split("</div>")[0]
    assert not DevServer.objects.exists()


@pytest.mark.django_db
def test_prepaid_fields_are_dropped_for_pay_per_use(account):
    form = DevServerRequestForm(
        valid_request(period_type="MONTH", period_num=3, is_auto_renew="on"), account=account
    )
    assert form.is_valid(), form.errors.as_data()
    spec = form.to_spec()
    assert (spec.period_type, spec.period_num, spec.is_auto_renew) == ("", None, False)


@pytest.mark.django_db
def test_user_data_is_encoded_for_the_user(account):
    form = DevServerRequestForm(valid_request(userdata_script="#!/bin/sh\necho hi\n"), account=account)
    assert form.is_valid(), form.errors.as_data()
    assert form.to_spec().userdata == "IyEvYmluL3NoCmVjaG8gaGkK"
