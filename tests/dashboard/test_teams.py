"""Teams: who sees what, the outsider walk over every URL, policy limits, and approval through the worker."""

import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from devservers.api.tokens import issue_token
from devservers.models import AWAITING_APPROVAL, AuditEntry, DevServer, TeamPolicy
from tests.fixtures.dashboard import logged_in, wait_for_status
from tests.fixtures.world import GPU_FLAVOR, gpu_image_id, make_devserver

from .forms_data import valid_request


def _walk(patterns, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            found.append((prefix + str(pattern.pattern), pattern))
    return found


# Pages that belong to team admins: an outsider is nobody's admin, so each answers 404.
ADMIN_ONLY_ROUTES = ("devservers/review/", "devservers/review/export.csv", "devservers/audit/")


@pytest.mark.django_db
def test_an_outsider_reaches_nothing_of_the_team(team, owner, outsider, account):
    devserver = make_devserver(owner, account, team=team, name="team-box", status=AWAITING_APPROVAL)
    owners_token, _secret = issue_token(user=owner, name="alice-ci", expires_at=timezone.now() + timedelta(days=1))
    client = logged_in(outsider)
    walked = 0
    for route, _pattern in _walk(get_resolver().url_patterns):
        if not route.startswith("devservers/"):
            continue
        url = "/" + (
            route.replace("<int:devserver_id>", str(devserver.pk))
            .replace("<int:team_id>", str(team.pk))
            .replace("<int:token_id>", str(owners_token.pk))
            .replace("<slug:action_name>", "stop")
        )
        assert "<" not in url, f"the walk does not know how to fill {route}"
        for method in ("get", "post"):
            response = getattr(client, method)(url, HTTP_HX_REQUEST="true")
            body = response.content.decode(errors="replace")
            assert "team-box" not in body and "ml-platform" not in body, (
                f"{method.upper()} {url} shows the team"
            )
            if "<" in route or route in ADMIN_ONLY_ROUTES:
                assert response.status_code in (404, 405), (
                    f"{method.upper()} {url} answered {response.status_code}"
                )
        walked += 1
    assert walked >= 15
    owners_token.refresh_from_db()
    assert owners_token.revoked_at is None  # the outsider's POST to revoke it changed nothing
    create_page = client.get(reverse("devservers:create")).content.decode()
    assert account.name not in create_page and "Si2.large.4" not in create_page


@pytest.mark.django_db
def test_members_see_the_teams_instances_and_admins_can_decide(team, owner, teammate, account):
    devserver = make_devserver(teammate, account, team=team, name="admins-box")
    assert "admins-box" in logged_in(owner).get(reverse("devservers:list")).content.decode()
    waiting = make_devserver(owner, account, team=team, name="waits", status=AWAITING_APPROVAL)
    assert (
        logged_in(owner)
        .post(reverse("devservers:decide", args=[waiting.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    assert devserver.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("policy", "overrides", "field", "words"),
    [
        ({"allowed_flavors": ["Si2.xlarge.4"]}, {}, "flavor", "does not allow flavor"),
        (
            {"allowed_images": ["00000000-0000-0000-0000-000000000000"]},
            {},
            "image_id",
            "does not allow this image",
        ),
        ({"max_running_per_user": 1}, {"count": 2}, "count", "at most 1 instances per user"),
        ({"max_running_per_team": 2}, {"count": 3}, "count", "at most 2 instances for the team"),
        ({"max_accelerators_per_user": 0}, {"flavor": GPU_FLAVOR}, "flavor", "accelerators per user"),
        ({"max_accelerators_per_team": 0}, {"flavor": GPU_FLAVOR}, "flavor", "accelerators for the team"),
        (
            {"max_prepaid_months": 6},
            {"charging_mode": "PRE_PAID", "period_type": "YEAR", "period_num": 1},
            "period_num",
            "at most 6 months",
        ),
    ],
)
def test_a_request_over_a_hard_limit_is_refused_at_the_form(
    team, owner, account, policy, overrides, field, words
):
    TeamPolicy.objects.filter(team=team).update(**policy)
    if overrides.get("flavor") == GPU_FLAVOR:
        overrides["image_id"] = gpu_image_id(account)
    response = logged_in(owner).post(reverse("devservers:create"), valid_request(**overrides))
    page = response.content.decode()
    assert (
        words
        in page.split(f'id="{"flavor-table" if field == "flavor" else "field-" + field}"')[1].split("</div>")[
            0
        ]
    )
    assert not DevServer.objects.exists()


@pytest.mark.django_db
def test_the_running_limit_counts_what_the_user_already_has(team, owner, account):
    TeamPolicy.objects.filter(team=team).update(max_running_per_user=1)
    make_devserver(owner, account, team=team, name="already-running")
    page = (
        logged_in(owner).post(reverse("devservers:create"), valid_request(name="one-more")).content.decode()
    )
    assert "1 in use" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"flavor": GPU_FLAVOR}, "accelerator flavor"),
        ({"charging_mode": "PRE_PAID", "period_type": "MONTH", "period_num": 1}, "prepaid purchase"),
        ({"count": 3}, "more than 2 servers"),
    ],
)
def test_requests_that_need_approval_wait(team, owner, account, overrides, reason):
    TeamPolicy.objects.filter(team=team).update(approval_count_above=2)
    if overrides.get("flavor") == GPU_FLAVOR:
        overrides["image_id"] = gpu_image_id(account)
    logged_in(owner).post(reverse("devservers:create"), valid_request(name="held", **overrides))
    rows = DevServer.objects.filter(name__startswith="held")
    assert rows.exists() and all(row.status == AWAITING_APPROVAL for row in rows)
    assert reason in rows[0].approval_reasons
    assert AuditEntry.objects.filter(action="request", outcome="awaiting_approval").count() == rows.count()


@pytest.mark.django_db
def test_a_team_admins_own_request_needs_no_approval(team, teammate, account):
    logged_in(teammate).post(
        reverse("devservers:create"),
        valid_request(name="admin-gpu", flavor=GPU_FLAVOR, image_id=gpu_image_id(account)),
    )
    assert DevServer.objects.get(name="admin-gpu").status != AWAITING_APPROVAL


@pytest.mark.django_db(transaction=True)
def test_an_approved_request_is_submitted_by_the_worker_and_reaches_running(
    team, owner, teammate, account, celery_worker, emulator
):
    member = logged_in(owner)
    member.post(
        reverse("devservers:create"),
        valid_request(name="gpu-wait", flavor=GPU_FLAVOR, image_id=gpu_image_id(account)),
    )
    devserver = DevServer.objects.get(name="gpu-wait")
    assert devserver.status == AWAITING_APPROVAL
    assert emulator.counters().get("POST /v1/{project_id}/dev-servers", 0) == 0

    review = logged_in(teammate).get(reverse("devservers:review")).content.decode()
    assert "gpu-wait" in review.split("Awaiting approval")[1].split("All team instances")[0]
    logged_in(teammate).post(reverse("devservers:decide", args=[devserver.pk]), {"decision": "approve"})

    running = wait_for_status(devserver, {"RUNNING"})
    assert running.decided_by == teammate
    actions = list(
        AuditEntry.objects.filter(devserver=devserver).order_by("created_at").values_list("action", "outcome")
    )
    assert actions == [("request", "awaiting_approval"), ("approve", "approved"), ("create", "ok")]
    assert AuditEntry.objects.get(devserver=devserver, action="create").request_id


@pytest.mark.django_db
def test_a_declined_request_shows_the_reason_to_the_requester(team, owner, teammate, account):
    devserver = make_devserver(owner, account, team=team, name="too-big", status=AWAITING_APPROVAL)
    admin = logged_in(teammate)

    refused = admin.post(
        reverse("devservers:decide", args=[devserver.pk]), {"decision": "decline", "reason": ""}
    )
    assert refused.status_code == 302
    devserver.refresh_from_db()
    assert devserver.status == AWAITING_APPROVAL

    admin.post(
        reverse("devservers:decide", args=[devserver.pk]),
        {"decision": "decline", "reason": "Use a T4 instead"},
    )
    page = logged_in(owner).get(reverse("devservers:detail", args=[devserver.pk])).content.decode()
    assert "Declined" in page and "Use a T4 instead" in page


@pytest.mark.django_db
def test_audit_entries_are_append_only(team, owner):
    entry = AuditEntry.objects.create(team=team, actor=owner, action="request")
    entry.detail = "rewritten"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


@pytest.mark.django_db
def test_the_flavor_table_says_which_flavors_need_approval_or_are_not_allowed(team, owner, teammate, account):
    TeamPolicy.objects.filter(team=team).update(allowed_flavors=["Si2.large.4", GPU_FLAVOR])

    def row(page: str, flavor: str) -> str:
        return page.split(f'value="{flavor}"')[1].split("</tr>")[0]

    member_page = logged_in(owner).get(reverse("devservers:create")).content.decode()
    assert "Needs approval" in row(member_page, GPU_FLAVOR)
    assert "Not allowed for your team" in row(member_page, "Si2.xlarge.4")
    assert "disabled" in member_page.split('value="Si2.xlarge.4"')[1].split(">")[0]
    assert "Needs approval" not in row(member_page, "Si2.large.4")
    admin_page = logged_in(teammate).get(reverse("devservers:create")).content.decode()
    assert "Needs approval" not in row(admin_page, GPU_FLAVOR)
    fragment = logged_in(owner).get(
        reverse("devservers:create-flavors"), {"server_type": "ECS", "arch": "X86"}
    )
    assert "Needs approval" in row(fragment.content.decode(), GPU_FLAVOR)


@pytest.mark.django_db
def test_the_review_pages_queue_refreshes_with_its_results_and_keeps_a_typed_reason(
    team, owner, teammate, account, django_capture_on_commit_callbacks
):
    admin = logged_in(teammate)
    page = admin.get(reverse("devservers:review")).content.decode()
    token = re.search(r'hx-vals=\'\{"v": "([^"]+)"\}\'', page).group(1)
    assert "Nothing waits for a decision." in page

    with django_capture_on_commit_callbacks(execute=True):
        logged_in(owner).post(
            reverse("devservers:create"),
            valid_request(name="late-gpu", flavor=GPU_FLAVOR, image_id=gpu_image_id(account)),
        )
    poll = admin.get(reverse("devservers:review"), {"v": token}, HTTP_HX_REQUEST="true").content.decode()

    # The queue comes along only as an out-of-band swap of its own section, with the alerts.
    assert poll.count("pending-heading") == 2 and 'id="review-alerts" aria-label' in poll
    queue = poll.split('id="pending-queue"')[1].split("</section>")[0]
    assert 'hx-swap-oob="true"' in queue and "late-gpu" in queue
    assert 'hx-preserve="true"' in queue.split('id="reason-')[1].split(">")[0]
    assert "/devservers/review/" in queue and "?v=" not in queue
