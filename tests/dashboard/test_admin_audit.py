"""The Django admin and the audit trail: the trail is read-only there for everyone, superusers
included, and every admin edit of servers, teams, memberships, policies and accounts is audited with
what changed, never a secret's value."""

import datetime
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devservers.costs import ledger
from devservers.costs.spend import row_costs
from devservers.history import audit
from devservers.models import AuditEntry, DevServer, DevServerEvent, Membership, Team
from tests.dashboard.costs_world import price_the_catalogue, with_history
from tests.fixtures.dashboard import logged_in
from tests.fixtures.world import make_devserver

pytestmark = pytest.mark.django_db


class FormFields(HTMLParser):
    """What a browser would submit from the page's form: each field's current value."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_options: list[tuple[str, bool]] = []
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        name = attributes.get("name", "")
        if tag == "input" and name and "__prefix__" not in name:
            kind = attributes.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self.values.append((name, attributes.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image"):
                self.values.append((name, attributes.get("value", "")))
        elif tag == "select" and "__prefix__" not in name:
            self._select, self._select_options = name, []
        elif tag == "option" and self._select:
            self._select_options.append((attributes.get("value", ""), "selected" in attributes))
        elif tag == "textarea" and "__prefix__" not in name:
            self._textarea = name
            self.values.append((name, ""))

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[-1] = (self._textarea, self.values[-1][1] + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select:
            chosen = [value for value, selected in self._select_options if selected]
            for value in chosen or []:
                self.values.append((self._select, value))
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def admin_form(client: Client, url: str) -> dict[str, str | list[str]]:
    parser = FormFields()
    parser.feed(client.get(url).content.decode())
    form: dict[str, str | list[str]] = {}
    for name, value in parser.values:
        form.setdefault(name, []).append(value)  # type: ignore[union-attr]
    return {name: values[0] if len(values) == 1 else values for name, values in form.items()}


@pytest.fixture
def root() -> User:
    return User.objects.create_superuser("root", password="root-pass-1234")


@pytest.fixture
def admin(root) -> Client:
    return logged_in(root)


# The audit trail: read-only for everyone -------------------------------------------------------------------


def test_a_superuser_can_neither_add_nor_change_nor_delete_audit_entries(admin, owner):
    entry = audit(actor=owner, action="request", detail="as it happened")

    add = admin.get(reverse("admin:devservers_auditentry_add"))
    change = admin.post(
        reverse("admin:devservers_auditentry_change", args=[entry.pk]), {"action": "forged", "detail": "x"}
    )
    delete = admin.post(reverse("admin:devservers_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    bulk = admin.post(
        reverse("admin:devservers_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    backdated = admin.post(
        reverse("admin:devservers_auditentry_add"), {"action": "approve", "created_at_0": "2020-01-01"}
    )

    assert (add.status_code, change.status_code, delete.status_code, backdated.status_code) == (
        403,
        403,
        403,
        403,
    )
    assert bulk.status_code in (200, 302)
    entry.refresh_from_db()
    assert (entry.action, entry.detail) == ("request", "as it happened")
    assert AuditEntry.objects.count() == 1


def test_a_superuser_reads_the_audit_trail_in_the_admin_without_any_write_control(admin, owner):
    entry = audit(actor=owner, action="request", detail="as it happened")

    changelist = admin.get(reverse("admin:devservers_auditentry_changelist")).content.decode()
    view = admin.get(reverse("admin:devservers_auditentry_change", args=[entry.pk]))

    assert "as it happened" in changelist or "request" in changelist
    assert 'value="delete_selected"' not in changelist
    assert reverse("admin:devservers_auditentry_add") not in changelist
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()


# Admin edits are audited ------------------------------------------------------------------------------------


def test_changing_a_servers_owner_and_status_in_the_admin_is_audited(
    admin, root, owner, teammate, account, team
):
    row = make_devserver(owner, account, team=team, name="audited-row")
    url = reverse("admin:devservers_devserver_change", args=[row.pk])
    form = admin_form(admin, url)
    form.update(owner=str(teammate.pk), status="STOPPED", _save="Save")

    response = admin.post(url, form)

    assert response.status_code == 302, response.content.decode()[:3000]
    row.refresh_from_db()
    assert (row.owner, row.status) == (teammate, "STOPPED")
    entry = AuditEntry.objects.get(action="admin_change")
    assert (entry.actor, entry.devserver, entry.team) == (root, row, team)
    assert "owner: alice → bob" in entry.detail
    assert "status: RUNNING → STOPPED" in entry.detail
    assert "name:" not in entry.detail  # only what changed


def test_a_new_secret_key_is_audited_by_name_never_by_value(admin, account):
    url = reverse("admin:devservers_cloudaccount_change", args=[account.pk])
    old_region = account.region
    form = admin_form(admin, url)
    form.update(secret_key="brand-new-secret-value", region="cn-south-1", _save="Save")

    response = admin.post(url, form)

    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.get(action="admin_change")
    assert "secret_key changed (value not recorded)" in entry.detail
    assert f"region: {old_region} → cn-south-1" in entry.detail
    assert "brand-new-secret-value" not in entry.detail
    account.refresh_from_db()
    assert account.secret_key_encrypted not in entry.detail


def test_team_memberships_and_policy_edited_in_the_admin_are_audited(admin, team, owner, outsider):
    url = reverse("admin:devservers_team_change", args=[team.pk])
    form = admin_form(admin, url)
    memberships = list(team.memberships.order_by("pk"))
    alice_row = next(i for i, m in enumerate(memberships) if m.user == owner)
    form[f"memberships-{alice_row}-role"] = Membership.Role.ADMIN
    blank = int(form["memberships-TOTAL_FORMS"]) - 1  # the inline's one extra, empty form
    form[f"memberships-{blank}-user"] = str(outsider.pk)
    form[f"memberships-{blank}-role"] = Membership.Role.MEMBER
    policy_field = next(name for name in form if name.startswith("policy-0-max_"))
    form[policy_field] = "7"
    form["_save"] = "Save"

    response = admin.post(url, form)

    assert response.status_code == 302, response.content.decode()[:3000]
    entries = {entry.action + " " + entry.detail for entry in AuditEntry.objects.filter(team=team)}
    assert any(e.startswith("admin_change membership") and "role: member → admin" in e for e in entries), (
        entries
    )
    assert any(e.startswith("admin_add membership") and f"user: {outsider.username}" in e for e in entries), (
        entries
    )
    field = policy_field.removeprefix("policy-0-")
    assert any(
        e.startswith("admin_change team policy") and f"{field}:" in e and "→ 7" in e for e in entries
    ), entries


def test_deleting_a_server_in_the_admin_is_audited(admin, root, owner, account, team):
    row = make_devserver(owner, account, team=team, name="doomed-row")

    response = admin.post(reverse("admin:devservers_devserver_delete", args=[row.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not DevServer.objects.filter(pk=row.pk).exists()
    entry = AuditEntry.objects.get(action="admin_delete")
    assert (entry.actor, entry.team) == (root, team) and "doomed-row" in entry.detail


def test_a_team_added_in_the_admin_is_audited(admin, root):
    url = reverse("admin:devservers_team_add")
    form = admin_form(admin, url)
    form.update(name="new-team", _save="Save")

    response = admin.post(url, form)

    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.get(action="admin_add", team__name="new-team")
    assert entry.actor == root and "name: new-team" in entry.detail
    assert Team.objects.filter(name="new-team").exists()


def test_a_status_set_in_the_admin_leaves_its_event_so_billing_follows_it(admin, root, owner, account, team):
    """An operator putting right a stuck server's status in the admin: the timeline shows it, and
    the cost stops where the status did (spend and the ledger follow the status events)."""
    price_the_catalogue()
    made_at = timezone.now() - datetime.timedelta(hours=3)
    row = with_history(
        make_devserver(owner, account, team=team, name="stuck", status="RUNNING"),
        made_at,
        [(0, "CREATING", "RUNNING")],
    )
    url = reverse("admin:devservers_devserver_change", args=[row.pk])
    form = admin_form(admin, url)
    form.update(status="STOPPED", _save="Save")
    assert admin.post(url, form).status_code == 302
    stopped_at = timezone.now()

    event = DevServerEvent.objects.filter(devserver=row, kind=DevServerEvent.Kind.STATUS).latest("created_at")
    assert (event.status_from, event.status_to) == ("RUNNING", "STOPPED")
    assert "Django admin" in event.message and "root" in event.message
    two_hours_later = stopped_at + datetime.timedelta(hours=2)
    row.refresh_from_db()
    billed = row_costs([row], since=made_at, now=two_hours_later)[row.pk]
    assert not billed.billing_now
    assert Decimal("2.99") < billed.billed_hours < Decimal("3.01")  # not the 5 hours to `two_hours_later`
    assert ledger.drift().rows == 0

    form = admin_form(admin, url)
    form.update(name="stuck-renamed", _save="Save")  # no status change: no status event
    assert admin.post(url, form).status_code == 302
    assert DevServerEvent.objects.filter(devserver=row, kind=DevServerEvent.Kind.STATUS).count() == 2
