"""Where a POST may send the browser back to: only a path on this site, by Django's own check."""

import pytest
from django.test import RequestFactory

from devservers.navigation import safe_next


@pytest.mark.parametrize(
    ("posted", "kept"),
    [
        ("/devservers/12/", "/devservers/12/"),
        ("/devservers/review/?status=RUNNING&page=2", "/devservers/review/?status=RUNNING&page=2"),
        ("//evil.com/", ""),
        ("/\\evil.com", ""),
        ("/\\\\evil.com", ""),
        ("https://evil.com/devservers/", ""),
        ("http://testserver/devservers/", ""),
        ("javascript:alert(1)", ""),
        ("devservers:list", ""),
        ("abc", ""),
        ("", ""),
    ],
)
def test_only_a_path_on_this_site_is_followed(posted, kept):
    request = RequestFactory().post("/devservers/1/action/", {"next": posted})

    assert safe_next(request) == kept
