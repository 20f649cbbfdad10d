"""Generated bodies at the request form and at the emulator's create call: no server error ever,
and every refusal names the field it concerns.

CI runs a small number of examples; `FUZZ_EXAMPLES=5000 ./dev test tests/dashboard/test_generated_bodies.py`
runs the full size.
"""

import os
import re
from datetime import UTC, datetime

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelarts_client.signer import sign_headers
from tests.fixtures.dashboard import logged_in

from .forms_data import valid_request

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
# A message shown at a field: the form's own markup for an error beside its input.
FIELD_ERROR = '<p class="field-error"'
FORM_FIELDS = sorted(valid_request())
CLOUD_FIELD = re.compile(r"^Invalid parameter: (?P<field>[a-z_]+(?:\.[a-z_]+)*) ")

# Values that are valid for some field, odd for most, and the shapes that break naive parsers.
odd_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["", " ", "0", "-1", "1e9", "null", "ECS", "BMS", "PRE_PAID", "MONTH", "\x00", "<script>", "../../"]
    ),
)
json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
CREATE_FIELDS = [
    "name", "flavor", "image_id", "network", "admin_pass", "key_pair_name", "arch", "availability_zone",
    "charging_info", "count", "enterprise_project_id", "root_volume", "data_volume", "server_type", "userdata",
]  # fmt: skip


@pytest.mark.django_db
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(FORM_FIELDS), odd_text, min_size=1, max_size=6))
def test_a_generated_form_body_is_answered_with_its_fields_never_a_500(owner, account, changes):
    answer = logged_in(owner).post("/devservers/new/", {**valid_request(name="fuzzed"), **changes})

    assert answer.status_code in (200, 302), answer.status_code
    if answer.status_code == 200:
        assert FIELD_ERROR in answer.content.decode(), "a refused form names no field"


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(CREATE_FIELDS), json_value, max_size=8))
def test_a_generated_create_body_is_refused_by_field_never_a_5xx(emulator, body):
    path = f"/v1/{emulator.project_id}/dev-servers"
    payload = requests.models.complexjson.dumps(body).encode()
    headers = sign_headers(
        access_key=emulator.access_key,
        secret_key=emulator.secret_key,
        method="POST",
        path=path,
        query=[],
        headers={"Host": emulator.base_url.split("//")[1], "Content-Type": "application/json"},
        body=payload,
        now=datetime.now(UTC),
    )

    answer = requests.post(emulator.base_url + path, data=payload, headers=headers, timeout=10)

    assert answer.status_code < 500, answer.text
    if answer.status_code == 400:
        assert CLOUD_FIELD.match(answer.json()["error_msg"]), answer.json()
