"""Everyday use, as the server renders it: the connect panel, names instead of ids, the error summary,
the zone checked against the subnet, the suggested image, "launch similar" and the error pages."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from devservers.instances.connect import connect_info, dev_services
from devservers.models import DevServer
from modelarts_emulator.catalogue import IMAGES
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import GPU_FLAVOR, make_devserver

from .forms_data import SEED_SECURITY_GROUP_ID, SEED_SUBNET_ID, SEED_VPC_ID, valid_request

pytestmark = pytest.mark.django_db


def _with_endpoints(devserver: DevServer, *endpoints: dict) -> DevServer:
    devserver.last_response = {"endpoints": list(endpoints)}
    return devserver


def test_the_ssh_command_takes_user_host_port_and_key_pair_from_the_endpoint(owner, account):
    devserver = _with_endpoints(
        make_devserver(owner, account, key_pair_name=""),
        {"service": "SSH", "uri": "10.0.0.7", "key_pair_names": ["team-key"]},
        {"service": "JUPYTER", "uri": "https://10.0.0.7:8888"},
    )
    assert connect_info(devserver).ssh_command == "ssh -i ~/.ssh/team-key.pem root@10.0.0.7"
    assert [(service.name, service.uri) for service in dev_services(devserver)] == [
        ("JUPYTER", "https://10.0.0.7:8888")
    ]

    devserver.last_response = {"endpoints": [{"dev_service": "SSH", "uri": "ssh://ma-user@10.0.0.8:2222"}]}
    devserver.login_method, devserver.key_pair_name = "password", ""
    info = connect_info(devserver)
    assert (info.user, info.host, info.port, info.ssh_command) == (
        "ma-user",
        "10.0.0.8",
        2222,
        "ssh -p 2222 ma-user@10.0.0.8",
    )
    assert connect_info(make_devserver(owner, account, name="no-ip", status="CREATING")) is None


def test_the_detail_page_names_the_network_and_labels_the_timeline(owner, account):
    devserver = make_devserver(owner, account, cloud_id="c-1")
    devserver.events.create(kind="status", status_from="QUEUED", status_to="SUBMITTING")
    page = logged_in(owner).get(reverse("devservers:detail", args=[devserver.pk])).content.decode()
    assert "subnet-devserver-a" in page and "vpc-devserver" in page
    assert 'data-testid="security-group">sg-devserver-' in page
    assert "Queued → <strong>Submitting</strong>" in page
    assert "The server is stopped" not in page

    cache.clear()  # a cold catalogue: the ids stay, and the page still renders without calling the cloud
    page = logged_in(owner).get(reverse("devservers:detail", args=[devserver.pk])).content.decode()
    assert f'<span class="mono">{SEED_SUBNET_ID}</span>' in page
    assert f'<span class="mono">{SEED_VPC_ID}</span>' in page
    assert f'<span class="mono">{SEED_SECURITY_GROUP_ID}</span>' in page


def test_a_failed_submit_lists_every_field_in_error_with_a_link_to_it(owner, account):
    data = valid_request(name="keep-me", admin_pass="", admin_pass_confirm="", image_id="")
    page = logged_in(owner).post(reverse("devservers:create"), data).content.decode()
    assert 'id="error-summary"' in page and "data-focus-on-load" in page
    assert '<a href="#id_image_id">Image: Choose an image.</a>' in page
    assert '<a href="#id_admin_pass">Password: Type a password' in page
    assert 'value="keep-me"' in page


def test_a_subnet_outside_the_chosen_zone_is_refused_at_the_subnet(owner, account):
    form_page = logged_in(owner).post(
        reverse("devservers:create"), valid_request(availability_zone="cn-north-4b")
    ).content.decode()
    assert "Subnet subnet-devserver-a is in cn-north-4a, not cn-north-4b" in form_page
    assert not DevServer.objects.exists()


def test_a_gpu_flavor_suggests_its_newest_cuda_image(owner, account):
    newest = next(image for image in IMAGES if image.name == "Ubuntu22.04_x86_64_CUDA12.1_GPU")
    fragment = logged_in(owner).get(
        reverse("devservers:create-images"), {"account": account.pk, "flavor": GPU_FLAVOR, "image_id": ""}
    )
    assert f'<option value="{newest.id}" selected>' in fragment.content.decode()


def test_a_gpu_flavor_lists_the_images_built_for_it_first_newest_first(owner, account):
    fragment = logged_in(owner).get(
        reverse("devservers:create-images"), {"account": account.pk, "flavor": GPU_FLAVOR, "image_id": ""}
    )
    listed = re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', fragment.content.decode())
    fitting = [name for name in listed if "CUDA" in name or "GPU" in name]
    assert fitting and listed[: len(fitting)] == fitting
    assert listed[0] == "Ubuntu22.04_x86_64_CUDA12.1_GPU"
    assert len(listed) > len(fitting)  # the CPU images still follow


def test_launch_similar_fills_the_form_from_a_server_without_its_password(owner, account):
    source = make_devserver(owner, account, name="box", cloud_id="c-1", login_method="password")
    detail = logged_in(owner).get(reverse("devservers:detail", args=[source.pk])).content.decode()
    assert f"?from={source.pk}" in detail and "Launch similar" in detail
    page = logged_in(owner).get(reverse("devservers:create"), {"from": source.pk}).content.decode()
    assert 'value="box-copy"' in page
    password_input = page.split('name="admin_pass"')[1].split(">")[0]
    assert "value=" not in password_input


def test_radio_groups_are_fieldsets_and_a_noscript_button_refreshes_the_choices(owner, account):
    client = logged_in(owner)
    page = client.get(reverse("devservers:create")).content.decode()
    assert '<legend class="label">Server type</legend>' in page
    assert "<noscript>" in page and 'name="refresh_choices"' in page

    refreshed = client.post(
        reverse("devservers:create"),
        {"account": account.pk, "flavor": GPU_FLAVOR, "name": "half", "refresh_choices": "1"},
    ).content.decode()
    assert "CUDA12.1" in refreshed and 'value="half"' in refreshed and 'id="error-summary"' not in refreshed
    assert not DevServer.objects.exists()


def test_a_missing_page_is_the_sites_own_with_a_way_back(owner, account):
    response = logged_in(owner).get("/devservers/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and 'href="/devservers/"' in page and "Skip to main content" in page
