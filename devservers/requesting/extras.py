"""What the request page shows and takes beside the request form: the flavor table's prices, the
estimate beside the submit button, and the schedule's own form within the team's bounds."""

import dataclasses

from django.contrib.auth.models import AbstractBaseUser
from django.http import QueryDict
from django.utils.translation import gettext as _

from devservers import catalog
from devservers.catalog import FlavorChoice
from devservers.costs.estimates import Estimate, estimate
from devservers.costs.prices import FlavorPrices, catalogue_prices
from devservers.models import CloudAccount, Team
from devservers.requesting import rules
from devservers.requesting.policy import policy_of
from devservers.requesting.spec import DevServerSpec
from devservers.schedules.forms import ScheduleForm
from devservers.schedules.rules import ScheduleBounds, bounds_for
from devservers.schedules.selectors import time_zone_of

CHARGING_MODES = ("POST_PAID", "PRE_PAID")


def flavor_prices(account: CloudAccount, flavors: list[FlavorChoice]) -> dict[str, FlavorPrices]:
    return catalogue_prices([flavor.name for flavor in flavors], account.currency)


def _number(text: str | None, *, least: int, most: int) -> int | None:
    text = (text or "").strip()
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    return min(max(int(text), least), most) if text.isascii() and text.isdigit() else None


def estimate_for(account: CloudAccount, params: QueryDict) -> Estimate | None:
    """The estimate for what the form holds now; None until a flavor of the chosen type and
    architecture is picked (a flavor left over from another type is not the user's choice)."""
    flavor = catalog.find_flavor(account, params.get("flavor", ""))
    server_type, arch = params.get("server_type") or "ECS", params.get("arch") or "X86"
    if flavor is None or flavor.server_type != server_type or flavor.arch != arch:
        return None
    mode = params.get("charging_mode", "")
    return estimate(
        catalogue_prices([flavor.name], account.currency)[flavor.name],
        count=_number(params.get("count"), least=rules.COUNT_MIN, most=rules.COUNT_MAX) or 1,
        charging_mode=mode if mode in CHARGING_MODES else "POST_PAID",
        period_type=params.get("period_type", ""),
        period_num=_number(params.get("period_num"), least=rules.PERIOD_NUM_MIN, most=rules.PERIOD_NUM_MAX),
    )


def schedule_bounds(team: Team | None, flavor: FlavorChoice | None) -> ScheduleBounds:
    # A flavor whose cards nobody counted still carries cards: its bounds are the accelerators'.
    cards = (flavor.accelerator_count or 1) if flavor is not None and flavor.accelerators else 0
    return bounds_for(policy_of(team) if team else None, accelerator_count=cards)


def schedule_form(
    *, account: CloudAccount, team: Team | None, user: AbstractBaseUser, data: QueryDict | None = None
) -> ScheduleForm:
    flavor = catalog.find_flavor(account, data.get("flavor", "")) if data is not None else None
    return ScheduleForm(
        data, bounds=schedule_bounds(team, flavor), initial={"schedule_time_zone": time_zone_of(user)}
    )


def accelerator_rules(team: Team | None) -> str:
    """What the team's schedule rules are for an accelerator server, for the fieldset's note."""
    policy = policy_of(team) if team else None
    note = bounds_for(policy, accelerator_count=1).description
    if note and policy is not None and policy.schedules_for_accelerators_only:
        return _("For GPU/NPU servers your team says: %(rules)s.") % {"rules": note}
    return _("Your team says: %(rules)s.") % {"rules": note} if note else ""


def with_schedule(spec: DevServerSpec, form: ScheduleForm) -> DevServerSpec:
    return dataclasses.replace(spec, **dataclasses.asdict(form.schedule()))
