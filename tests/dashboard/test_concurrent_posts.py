"""The same form posted twenty times at once gives one request: the live-name constraint lets one
transaction win, and every other answer says the name was just taken, never a 500."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from devservers.models import DevServer
from tests.fixtures.dashboard import logged_in

from .forms_data import valid_request

pytestmark = pytest.mark.django_db(transaction=True)
POSTS = 20


def test_twenty_identical_posts_at_once_make_one_request(owner, account):
    form = valid_request(name="posted-twenty-times")
    clients = [logged_in(owner) for _ in range(POSTS)]

    def post(client) -> int:
        try:
            return client.post("/devservers/new/", form).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=POSTS) as pool:
        statuses = list(pool.map(post, clients))

    assert DevServer.objects.filter(name="posted-twenty-times").count() == 1
    assert statuses.count(302) == 1
    assert sorted(set(statuses)) == [200, 302]
