"""Every page in Simplified Chinese, read as a person reads it: the visible text and the attributes
that show (title, aria-label, placeholder, confirm questions) hold no English word of three letters
or more, save product names and codes. The English pages stay English."""

import datetime
import re
import zoneinfo
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from devservers.models import ApiToken, CloudAccount, DevServer, Team, TeamPolicy
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id, make_devserver

from .costs_world import price_the_catalogue
from .forms_data import valid_request

pytestmark = pytest.mark.django_db

# Product names, protocols and units that stay as they are in Huawei Cloud's Chinese console too.
ALLOWED_WORDS = {
    "DevServer", "DevServers", "ModelArts", "SSH", "GPU", "NPU", "VPC", "IPv6", "RoCE", "API", "REST", "CSV",
    "ECS", "BMS", "UUID", "CNY", "UTC", "KiB", "base64", "cloud", "init", "Redis", "Bearer", "Authorization",
    "token", "ARM", "root", "administrator", "ESSD", "GPSSD", "SAS", "SATA", "SSD", "GiB",
    "English",  # the switcher names each language in its own words
}  # fmt: skip
# A token with a digit or one of these is an id, a name, an address or a time zone: data, not words.
CODE_LIKE = re.compile(r"[\d\-_./:@=&?#%+~]")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
CJK = re.compile(r"[\u4e00-\u9fff]")
SHOWN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-confirm", "hx-confirm")
TIME_ZONES = zoneinfo.available_timezones()
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class VisibleText(HTMLParser):
    """The text a reader meets. Left out: scripts and styles; content marked translate="no" (commands,
    ids, the cloud's own messages) or in another language (lang="en": notes recorded in English)."""

    def __init__(self, page_language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_language = page_language
        self.texts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # (tag, whether its content is left out)

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        language = values.get("lang") or ""
        skip = (
            tag in ("script", "style", "template")
            or values.get("translate") == "no"
            or (tag != "html" and bool(language) and not language.startswith(self.page_language))
            # Time zones are offered by their IANA names (Asia/Shanghai), as every console does.
            or (tag == "option" and (values.get("value") or "") in TIME_ZONES)
        )
        if not (skip or self._skipping()):
            self.texts += [values[name] or "" for name in SHOWN_ATTRIBUTES if name in values]
        if tag not in VOID_TAGS:
            self._open.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skipping():
            self.texts.append(data)


def visible_text(page: str, language: str) -> list[str]:
    parser = VisibleText(language)
    parser.feed(page)
    return parser.texts


def data_words() -> set[str]:
    """Words of what the world's rows are called (users, teams, accounts, servers): data, shown as is."""
    names = [
        *User.objects.values_list("username", flat=True),
        *Team.objects.values_list("name", flat=True),
        *CloudAccount.objects.values_list("name", flat=True),
        *DevServer.objects.values_list("name", flat=True),
        *DevServer.objects.values_list("image_name", flat=True),
        *ApiToken.objects.values_list("name", flat=True),
    ]
    return {word for name in names for word in ENGLISH_WORD.findall(name)}


def english_words(page: str, *, allowed: set[str]) -> list[str]:
    found = []
    for text in visible_text(page, "zh"):
        for token in text.split():
            if CODE_LIKE.search(token):
                continue
            found += [word for word in ENGLISH_WORD.findall(token) if word not in allowed]
    return found


def in_chinese(user: User | None = None) -> Client:
    """A client whose language cookie says zh-hans, as the switcher leaves it."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    if user is not None:
        client.force_login(user)
    return client


def in_english(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def make_world(owner: User, account: CloudAccount, team: Team, *, asked_in: Client) -> dict[str, object]:
    """alice's servers in ml-platform (one running with a lifetime, one awaiting approval), prices
    known, a team policy with limits and a lifetime; bob (the admin) reviews. The request awaiting
    approval is asked through `asked_in`: its reasons stay in the language its requester was told."""
    price_the_catalogue()
    TeamPolicy.objects.filter(team=team).update(
        max_running_per_user=5, max_lifetime_days=30, default_lifetime_days=7, monthly_budget=1000
    )
    running = make_devserver(owner, account, name="box-run", team=team, cloud_id="c-run", lifetime_days=7)
    running.events.create(kind="status", status_from="QUEUED", status_to="RUNNING")
    running.events.create(kind="call", operation="create", outcome="ok", http_status=200)
    stopped = make_devserver(owner, account, name="box-stop", team=team, cloud_id="c-stop", status="STOPPED")
    failed = make_devserver(
        owner, account, name="box-fail", team=team, cloud_id="c-fail", status="CREATE_FAILED",
        error_code="ModelArts.7001", error_msg="Insufficient resources in the zone.",
    )  # fmt: skip
    # Two changing rows, for both progress notes: one as usual, one taking longer than usual.
    creating = make_devserver(owner, account, name="box-new", team=team, cloud_id="c-new", status="CREATING")
    creating.events.create(kind="status", status_from="SUBMITTING", status_to="CREATING")
    stuck = make_devserver(owner, account, name="box-stuck", team=team, status="QUEUED")
    stuck.events.create(kind="status", status_to="QUEUED", created_at=timezone.now() - datetime.timedelta(minutes=30))
    asked_in.force_login(owner)
    asked_in.post(
        reverse("devservers:create") + f"?team={team.pk}",
        valid_request(name="box-gpu", flavor=GPU_FLAVOR, image_id=gpu_image_id(account), team=team.pk,
                      account=account.pk),
    )  # fmt: skip
    pending = DevServer.objects.get(name="box-gpu")
    assert pending.status == "AWAITING_APPROVAL"
    return {"running": running, "stopped": stopped, "failed": failed, "pending": pending, "team": team}


def _pages(world: dict, owner: User, teammate: User) -> Iterator[tuple[str, Client, str, dict | None]]:
    """(what, client maker's user, url, POST data or None) for every page a person reads."""
    team = world["team"]
    yield "list", owner, reverse("devservers:list"), None
    for key in ("running", "stopped", "failed", "pending"):
        yield f"detail {key}", owner, reverse("devservers:detail", args=[world[key].pk]), None
    yield "detail as admin", teammate, reverse("devservers:detail", args=[world["pending"].pk]), None
    yield "create", owner, reverse("devservers:create"), None
    yield "create with errors", owner, reverse("devservers:create"), valid_request(
        name="bad name!", admin_pass="short", admin_pass_confirm="other", image_id="", count=20,
        data_volume_size="200", team=team.pk,
    )  # fmt: skip
    yield "delete confirmation", owner, reverse("devservers:action", args=[world["stopped"].pk]), {
        "action": "delete"
    }
    yield "review", teammate, reverse("devservers:review"), None
    yield "audit", teammate, reverse("devservers:audit"), None
    yield "teams", owner, reverse("devservers:teams"), None
    yield "team as admin", teammate, reverse("devservers:team-detail", args=[team.pk]), None
    yield "team as member", owner, reverse("devservers:team-detail", args=[team.pk]), None
    yield "notifications", owner, reverse("devservers:notifications"), None
    yield "api tokens", owner, reverse("devservers:api-tokens"), None
    yield "new api token", owner, reverse("devservers:api-tokens"), {"name": "laptop", "expires_in_days": "30"}
    yield "not found", owner, reverse("devservers:detail", args=[10**9]), None


def _answer(client: Client, url: str, data: dict | None) -> str:
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code in (200, 201, 404, 422), (url, response.status_code)
    return response.content.decode()


def test_every_page_reads_in_simplified_chinese(owner, teammate, account, team):
    world = make_world(owner, account, team, asked_in=in_chinese())
    pages = {what: _answer(in_chinese(user), url, data) for what, user, url, data in _pages(world, owner, teammate)}
    pages["login"] = _answer(in_chinese(), reverse("login"), None)
    pages["login failed"] = _answer(in_chinese(), reverse("login"), {"username": "alice", "password": "wrong"})
    request = RequestFactory().get("/devservers/")
    request.user = owner
    with translation.override("zh-hans"):
        pages["403"] = render_to_string("403.html", request=request)
        pages["503"] = render_to_string("unavailable.html", request=request)

    allowed = ALLOWED_WORDS | data_words()
    untranslated = {what: words for what, page in pages.items() if (words := english_words(page, allowed=allowed))}
    assert untranslated == {}, {what: sorted(set(words)) for what, words in untranslated.items()}
    for what, page in pages.items():
        assert CJK.search(" ".join(visible_text(page, "zh"))), what


def test_the_check_finds_english_left_in_a_page():
    page = '<html lang="zh-hans"><p title="Stop it">运行中</p><p>待审批 pending</p><code translate="no">ssh</code></html>'
    assert english_words(page, allowed=ALLOWED_WORDS) == ["Stop", "pending"]


def test_the_english_pages_stay_english(owner, teammate, account, team):
    world = make_world(owner, account, team, asked_in=in_english())
    for what, user, url, data in _pages(world, owner, teammate):
        page = _answer(in_english(user), url, data)
        text = " ".join(visible_text(page, "en")).replace("简体中文", "")  # the switcher's own name
        assert not CJK.search(text), (what, CJK.findall(text)[:10])
    assert "Awaiting approval" in _answer(in_english(owner), reverse("devservers:list"), None)
    assert "Log in" in _answer(in_english(), reverse("login"), None)


def test_the_switcher_keeps_the_language_across_pages(owner, account):
    client = in_english(owner)
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": reverse("devservers:list")})
    assert response.status_code == 302 and response["Location"] == reverse("devservers:list")
    page = client.get(reverse("devservers:list")).content.decode()
    assert '<html lang="zh-hans">' in page and "新建 DevServer" in page
    assert '<button type="submit" class="link" name="language" value="zh-hans" lang="zh-hans" aria-current="true"' in page
    assert "<h1>团队</h1>" in client.get(reverse("devservers:teams")).content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": reverse("devservers:list")})
    assert "New DevServer" in client.get(reverse("devservers:list")).content.decode()


def test_the_scripts_strings_come_in_the_pages_language(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    catalogue = client.get(reverse("javascript-catalog")).content.decode()
    assert "\\u5df2\\u590d\\u5236" in catalogue or "已复制" in catalogue  # "Copied: %s"


def test_dates_and_numbers_follow_the_locale(owner, account):
    devserver = make_devserver(owner, account, name="aged")
    DevServer.objects.filter(pk=devserver.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    page = in_chinese(owner).get(reverse("devservers:list")).content.decode()
    assert '<td title="' in page and "3\xa0日</td>" in page  # timesince, in Chinese
    assert "3\xa0days</td>" in in_english(owner).get(reverse("devservers:list")).content.decode()


def test_api_refusals_follow_the_callers_language(owner, account):
    url = "/api/v1/instances?limit=0"
    chinese = in_english(owner).get(url, HTTP_ACCEPT_LANGUAGE="zh-Hans").json()
    assert chinese == {"errors": {"limit": ["请求的行数应为 1 到 200。"]}}
    assert in_english(owner).get(url).json() == {"errors": {"limit": ["Ask for 1 to 200 rows."]}}
