"""A create request from the API: the request form binds the JSON body, then the same service saves it.

No second code path: `DevServerRequestForm` checks every rule (and the team's policy, which gives the
approval reasons), the schedule form fills the team's defaults, and `requesting.services.devserver_request`
writes the rows. What the API adds is the `Idempotency-Key`: the rows a key made are kept with it, so a
retried call gets them back instead of a second request.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.forms import Form
from django.http import Http404
from django.utils.translation import gettext as _

from devservers import selectors
from devservers.api.errors import Refused
from devservers.api.schemas import CreateBody
from devservers.models import CloudAccount, DevServer, IdempotencyKey, Team
from devservers.requesting import extras
from devservers.requesting import services as requesting
from devservers.requesting.forms import DevServerRequestForm

MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class Created:
    rows: list[DevServer]
    replayed: bool


def team_and_account(
    user: AbstractBaseUser, *, team_id: int | None, account_id: int | None
) -> tuple[Team | None, CloudAccount]:
    """The team asked for (else the user's first) and its account; 404 for what the user may not use."""
    teams = selectors.teams_of(user)
    team = teams.filter(pk=team_id).first() if team_id is not None else teams.first()
    if team_id is not None and team is None:
        raise Http404(_("No such team of yours."))
    accounts = selectors.accounts_for(user, team)
    account = accounts.filter(pk=account_id).first() if account_id is not None else accounts.first()
    if account is None:
        raise Http404(_("No cloud account for this team."))
    return team, account


def _form_data(body: CreateBody) -> dict[str, object]:
    data = body.dict(exclude={"team", "account"})
    # The API has no second password box to type it again in.
    data["admin_pass_confirm"] = data["admin_pass"]
    # As a browser posts it: an empty field is an empty string.
    return {name: "" if value is None else value for name, value in data.items()}


def form_errors(*forms: Form) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for form in forms:
        for field, messages in form.errors.items():
            errors.setdefault(field, []).extend(str(message) for message in messages)
    return errors


def _replay(user: AbstractBaseUser, key: str) -> Created | None:
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is None:
        return None
    rows = list(DevServer.objects.filter(pk__in=stored.devserver_ids).select_related("owner").order_by("id"))
    return Created(rows=rows, replayed=True)


def create_request(*, user: AbstractBaseUser, body: CreateBody, idempotency_key: str | None) -> Created:
    """Save the request as the form page would; Refused in the form's shape when a rule says no."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_KEY_LENGTH:
        raise Refused({"Idempotency-Key": [_("Use 1 to %(most)s characters.") % {"most": MAX_KEY_LENGTH}]}, status=400)
    if idempotency_key and (replayed := _replay(user, idempotency_key)):
        return replayed
    team, account = team_and_account(user, team_id=body.team, account_id=body.account)
    data = _form_data(body)
    form = DevServerRequestForm(data, account=account, team=team, user=user)
    schedule_form = extras.schedule_form(account=account, team=team, user=user, data=data)
    # `&`, not `and`: both forms validate, so each gives its own errors.
    if not (form.is_valid() & schedule_form.is_valid()):
        # The same key's first call may have committed meanwhile: its name is taken now, by itself.
        if idempotency_key and (replayed := _replay(user, idempotency_key)):
            return replayed
        raise Refused(form_errors(form, schedule_form))
    try:
        with transaction.atomic():
            rows = requesting.devserver_request(
                owner=user,
                account=account,
                team=team,
                spec=extras.with_schedule(form.to_spec(), schedule_form),
                admin_pass=form.cleaned_data["admin_pass"],
                approval_reasons=form.approval_reasons,
            )
            if idempotency_key:
                IdempotencyKey.objects.create(
                    user=user, key=idempotency_key, devserver_ids=[row.pk for row in rows]
                )
    except IntegrityError:
        # The same key sent twice at once: the first call's rows are the answer to both.
        if idempotency_key and (replayed := _replay(user, idempotency_key)):
            return replayed
        raise Refused({"name": [_("This name was just taken by another request; choose another.")]}) from None
    return Created(rows=rows, replayed=False)
