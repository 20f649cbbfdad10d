"""Accelerators, which the cloud's flavor list does not give as data: the catalogue, the
specification text, and policy failing closed where neither gives a count."""

import pytest
from django.urls import reverse

from devservers import accelerators, catalog
from devservers.catalog import FlavorChoice
from devservers.models import AWAITING_APPROVAL, DevServer, FlavorSpec, TeamPolicy
from devservers.requesting import policy
from modelarts_client import FlavorRow, group_flavor_rows
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id

from .forms_data import valid_request


def _flavor(name: str, *, flavor_type: str = "", specification: str = "") -> FlavorChoice:
    row = FlavorRow.from_api({"flavor": name, "flavor_type": flavor_type, "specification": specification})
    (cloud,) = group_flavor_rows([row])
    return FlavorChoice(cloud=cloud, accelerators=accelerators.resolve(cloud, None))


@pytest.mark.parametrize(
    ("name", "flavor_type", "specification", "expected"),
    [
        ("p2s.2xlarge.8", "GPU", "GPU: 1*NVIDIA-V100(32GB) | CPU: 8 vCPUs 64GiB", ("GPU", "NVIDIA-V100", 1, 32)),
        ("x", "", "8 vCPUs | 64 GiB | GPU: 2 * NVIDIA-T4 (16 GiB)", ("GPU", "NVIDIA-T4", 2, 16)),
        ("x", "NPU", "NPU: 8 x Ascend-910B (64 GiB)", ("NPU", "Ascend-910B", 8, 64)),
        ("x", "ASCEND", "8*Snt9b", ("NPU", "Snt9b", 8, None)),
        ("pi2.4xlarge.4", "", "", ("GPU", "", None, None)),
        ("physical.kat2ne.48xlarge.8.313t", "", "192 vCPUs", ("NPU", "", None, None)),
        ("x", "GPU", "GPU accelerated", ("GPU", "", None, None)),
    ],
)
def test_accelerators_are_read_from_what_the_cloud_says(name, flavor_type, specification, expected):
    found = _flavor(name, flavor_type=flavor_type, specification=specification).accelerators

    assert (found.type, found.name, found.count, found.memory_gib) == expected


@pytest.mark.parametrize(
    ("name", "flavor_type", "specification"),
    [("Si2.large.4", "CPU", "2 vCPUs | 8 GiB"), ("c7.4xlarge.2", "", "16 vCPUs 32GiB"), ("kc1.2xlarge.4", "", "")],
)
def test_cpu_flavors_have_no_accelerators(name, flavor_type, specification):
    assert _flavor(name, flavor_type=flavor_type, specification=specification).accelerators is None


@pytest.mark.django_db
def test_a_catalogue_entry_wins_over_the_specification(account):
    FlavorSpec.objects.update_or_create(
        name=GPU_FLAVOR,
        defaults={"accelerator_type": "GPU", "accelerator_name": "Tesla V100S", "accelerator_count": 4},
    )

    chosen = catalog.find_flavor(account, GPU_FLAVOR)

    assert (chosen.accelerators.source, chosen.accelerators.count) == ("catalogue", 4)
    assert chosen.accelerators.name == "Tesla V100S"


@pytest.mark.django_db
def test_without_a_catalogue_entry_the_specification_gives_the_count(account):
    FlavorSpec.objects.all().delete()

    chosen = catalog.find_flavor(account, GPU_FLAVOR)

    assert chosen.accelerators.source == "specification"
    assert (chosen.accelerators.type, chosen.accelerator_count) == ("GPU", 1)


@pytest.mark.django_db
def test_policy_fails_closed_on_a_gpu_flavor_of_unknown_count(team, owner):
    TeamPolicy.objects.filter(team=team).update(approval_for_accelerators=False, max_accelerators_per_team=16)
    unknown = _flavor("pi2.4xlarge.4", flavor_type="GPU")
    known = _flavor("p2s.2xlarge.8", flavor_type="GPU", specification="1*NVIDIA-V100(32GB)")
    asked = {"image_id": "", "count": 1, "charging_mode": "POST_PAID", "period_type": "", "period_num": None}

    held = policy.evaluate(team=team, user=owner, is_team_admin=False, flavor=unknown, **asked)
    counted = policy.evaluate(team=team, user=owner, is_team_admin=False, flavor=known, **asked)
    notes = policy.flavor_notes(team=team, is_team_admin=False, flavors=[unknown, known])

    assert held.approval_reasons == [policy.UNKNOWN_ACCELERATORS_REASON]
    assert counted.approval_reasons == []
    assert notes["pi2.4xlarge.4"].text == "needs approval: card count unknown"
    assert "p2s.2xlarge.8" not in notes


@pytest.mark.django_db
def test_a_gpu_request_is_held_with_accelerators_read_from_the_sdk_shaped_list(team, owner, account):
    FlavorSpec.objects.all().delete()
    TeamPolicy.objects.filter(team=team).update(approval_for_accelerators=True)
    image_id = gpu_image_id(account)

    page = logged_in(owner).get(reverse("devservers:create")).content.decode()
    logged_in(owner).post(
        reverse("devservers:create"), valid_request(name="held-gpu", flavor=GPU_FLAVOR, image_id=image_id)
    )

    row = page.split(f'value="{GPU_FLAVOR}"')[1].split("</tr>")[0]
    assert "1 × NVIDIA-V100 (32 GiB)" in row
    assert "Needs approval" in row
    held = DevServer.objects.get(name="held-gpu")
    assert held.status == AWAITING_APPROVAL
    assert held.accelerator_count == 1
    assert "accelerator flavor" in held.approval_reasons
