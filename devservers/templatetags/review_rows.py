"""The review page's rows and its queue's requests, with their decide forms: written here rather than
in the template, since a page renders 25 rows and 20 requests. Their HTML is put together as plain
strings, each value escaped once, and each language's fixed words are translated once: Django's
`format_html`, called a dozen times a row, cost more than the rows' data."""

from functools import lru_cache

from django import template
from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import timesince_filter as timesince
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from devservers.templatetags.devservers_extras import csrf_input, escaped, filled, row_url, status_badge

register = template.Library()


@lru_cache(maxsize=32)
def _words(language: str | None) -> dict[str, str]:
    """The rows' fixed words in `language`, escaped (the language keys the cache)."""
    words = {
        "imported": _("imported"),
        "unknown": _("unknown"),
        "prepaid": _("prepaid"),
        "pay-per-use": _("pay-per-use"),
        "not billing": _("not billing"),
        "nothing billing": _("nothing billing"),
        "reason": _("Reason"),
        "reason placeholder": _("Reason the requester sees"),
        "decline": _("Decline"),
    }
    return {key: escaped(word) for key, word in words.items()}


def _accelerators(count: int) -> str:
    return filled(ngettext("%(count)s accelerator", "%(count)s accelerators", count), count=count)


@register.simple_tag
def review_cells(devserver, row_costs: dict, show_team: bool) -> SafeString:
    """The cells of a review row; `row_costs` maps a row's id to its cost (what bills now, and at what rate)."""
    words = _words(get_language())
    cost = row_costs.get(devserver.pk) if isinstance(row_costs, dict) else None
    imported = f' <span class="badge">{words["imported"]}</span>' if devserver.is_imported else ""
    accelerators = (
        f' <small class="muted">{_accelerators(devserver.accelerator_count)}</small>'
        if devserver.accelerator_count
        else ""
    )
    billing = words["prepaid"] if devserver.charging_mode == "PRE_PAID" else words["pay-per-use"]
    rate = (
        escaped(cost.rate)
        if getattr(cost, "billing_now", False)
        else f'<span class="muted">{words["not billing"]}</span>'
    )
    cells = [
        f'<td><a href="{row_url("devservers:detail", devserver.pk)}">{escaped(devserver.name)}</a>{imported}</td>',
        f"<td>{status_badge(devserver)}</td>",
        f"<td>{escaped(devserver.owner_name) if devserver.owner_name else words['unknown']}</td>",
        f"<td>{escaped(devserver.flavor)}{accelerators}</td>",
        f'<td title="{escaped(date_format(timezone.localtime(devserver.created_at), "c"))}">'
        f"{escaped(timesince(devserver.created_at))}</td>",
        f"<td>{escaped(devserver.team or '—')}</td>" if show_team else "",
        f"<td>{billing}</td>",
        f'<td data-testid="row-cost">{rate}</td>',
    ]
    return mark_safe("\n          ".join(cells))


def decide_forms(context: template.Context, devserver, next_url: str) -> SafeString:
    """A request's approve and decline forms: `_decide.html`, and each row of the review page's queue."""
    words = _words(get_language())
    csrf = csrf_input(context)
    action = row_url("devservers:decide", devserver.pk)
    approve = filled(_("Approve %(name)s"), name=devserver.name)
    next_url = escaped(next_url)
    return mark_safe(
        '<div class="decide">\n'
        f'  <form method="post" action="{action}" class="inline">{csrf}\n'
        f'    <input type="hidden" name="next" value="{next_url}">\n'
        f'    <button type="submit" name="decision" value="approve" class="button primary">{approve}</button>\n'
        "  </form>\n"
        f'  <form method="post" action="{action}" class="inline">{csrf}\n'
        f'    <input type="hidden" name="next" value="{next_url}">\n'
        f'    <label class="sr-only" for="reason-{devserver.pk}">{words["reason"]}</label>\n'
        f'    <input type="text" id="reason-{devserver.pk}" name="reason" hx-preserve="true" '
        f'placeholder="{words["reason placeholder"]}" required>\n'
        f'    <button type="submit" name="decision" value="decline" class="button danger">{words["decline"]}</button>\n'
        "  </form>\n"
        "</div>"
    )


@register.simple_tag(name="decide_forms", takes_context=True)
def decide_forms_tag(context: template.Context, devserver, next_url: str) -> SafeString:
    return decide_forms(context, devserver, next_url)


def _requester_runs(cost, words: dict[str, str]) -> str:
    running = getattr(cost, "requester_running", 0)
    if not running:
        return words["nothing billing"]
    translated = ngettext(
        "%(count)s server, %(rate)s per hour", "%(count)s servers, %(rate)s per hour", running
    )
    return filled(translated, count=running, rate=cost.requester_per_hour)


@register.simple_tag(takes_context=True)
def pending_row(context: template.Context, devserver, pending_costs: dict, next_url: str) -> SafeString:
    """A request in the review page's approval queue, with its estimate and its decide forms."""
    words = _words(get_language())
    cost = pending_costs.get(devserver.pk) if isinstance(pending_costs, dict) else None
    estimate = getattr(cost, "estimate", None)
    accelerators = f" ({_accelerators(devserver.accelerator_count)})" if devserver.accelerator_count else ""
    asked = filled(_("%(age)s ago"), age=timesince(devserver.created_at))
    return mark_safe(
        f'<tr id="pending-{devserver.pk}">\n'
        f'        <td><a href="{row_url("devservers:detail", devserver.pk)}">{escaped(devserver.name)}</a></td>\n'
        f"        <td>{escaped(devserver.owner_name or '')}</td>\n"
        f"        <td>{escaped(devserver.team)}</td>\n"
        f"        <td>{escaped(devserver.flavor)}{accelerators}</td>\n"
        "        \n"
        f'        <td data-testid="estimate">{escaped(estimate.summary) if estimate is not None else ""}</td>\n'
        f'        <td data-testid="requester-runs">{_requester_runs(cost, words)}</td>\n'
        "        \n"
        f"        <td>{escaped(', '.join(devserver.approval_reasons or []))}</td>\n"
        f"        <td>{asked}</td>\n"
        f"        <td>{decide_forms(context, devserver, next_url)}\n</td>\n"
        "      </tr>"
    )
