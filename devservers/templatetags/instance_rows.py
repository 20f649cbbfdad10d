"""The instance list's rows and a server's lifecycle buttons (the list's rows and the detail page):
written here rather than in the template, since the list renders 50 rows, each a dozen tags and
filters that cost more than the row's data. Put together as plain strings, each value escaped once,
each language's fixed words translated once; the HTML is the template's, byte for byte."""

from functools import lru_cache

from django import template
from django.template.defaultfilters import date as date_format
from django.template.defaultfilters import timesince_filter as timesince
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS, LifecycleAction, can_ask
from devservers.templatetags.devservers_extras import csrf_input, escaped, page_url, row_url, status_badge

register = template.Library()

# Actions whose button asks first: they lose the server's unsaved work.
_CONFIRMED = frozenset({"stop", "reboot"})


@lru_cache(maxsize=256)
def _action_words(action_name: str, language: str | None) -> tuple[str, str, str, str]:
    """An action's label, its title and confirm patterns, and why it is disabled, in `language`
    (which keys the cache: the labels are translated); all but the patterns escaped."""
    action = LIFECYCLE_ACTIONS[action_name]
    label = str(action.label)
    when_possible = str(_("%(action)s is possible when the server is %(statuses)s")) % {
        "action": label,
        "statuses": action.allowed_labels,
    }
    return (
        label,
        _("%(action)s %(name)s"),
        _("%(action)s %(name)s? Unsaved work on it will be lost."),
        when_possible,
    )


def _action_button(action: LifecycleAction, allowed: bool, name: str) -> str:
    label, title, confirm, when_possible = _action_words(action.name, get_language())
    values = {"action": label, "name": name}
    state = (
        f' title="{escaped(title % values)}"' if allowed else f' disabled title="{escaped(when_possible)}"'
    )
    asks = f' data-confirm="{escaped(confirm % values)}"' if action.name in _CONFIRMED else ""
    danger = " danger" if action.name == "delete" else ""
    return (
        f'<button type="submit" name="action" value="{action.name}" class="button small{danger}"{state} '
        f'data-action="{action.name}"{asks}>{escaped(label)}</button>'
    )


@register.simple_tag(takes_context=True)
def row_actions(context: template.Context, devserver, next_url: str) -> SafeString:
    """A server's start, stop, reboot and delete buttons in their form, each disabled with the reason
    where its status does not allow it."""
    buttons = "\n".join(
        _action_button(action, can_ask(action, devserver.status), devserver.name)
        for action in LIFECYCLE_ACTIONS.values()
    )
    aria = _("Actions for %(name)s") % {"name": devserver.name}
    return mark_safe(
        f'<form method="post" action="{row_url("devservers:action", devserver.pk)}" class="row-actions" '
        f'aria-label="{escaped(aria)}">{csrf_input(context)}\n'
        f'  <input type="hidden" name="next" value="{escaped(next_url)}">\n{buttons}\n</form>'
    )


@register.simple_tag(takes_context=True)
def list_cells(context: template.Context, devserver, actionable_ids) -> SafeString:
    """The cells of an instance list row; `actionable_ids`, the rows the user may act on; the
    context's `back_url`, the list page its buttons bring the browser back to."""
    actionable = devserver.pk in actionable_ids
    select = (
        f'<input type="checkbox" form="batch-form" name="selected" value="{devserver.pk}" '
        f'id="select-{devserver.pk}" hx-preserve="true" data-name="{escaped(devserver.name)}" '
        f'aria-label="{_("Select %(name)s") % {"name": escaped(devserver.name)}}">'
        if actionable
        else ""
    )
    team = f' <small class="muted">{escaped(devserver.team)}</small>' if devserver.team else ""
    owner = devserver.owner.get_username() if devserver.owner else ""
    actions = (
        row_actions(context, devserver, context.get("back_url") or page_url("devservers:list"))
        if actionable and devserver.cloud_id and not devserver.is_final
        else ""
    )
    cells = [
        f"<td>{select}</td>",
        f'<td class="name"><a href="{row_url("devservers:detail", devserver.pk)}">{escaped(devserver.name)}</a>{team}</td>',
        f"<td>{status_badge(devserver)}</td>",
        f"<td>{escaped(devserver.flavor)}</td>",
        f"<td>{escaped(devserver.image_name or devserver.image_id)}</td>",
        f"<td>{escaped(owner) if owner else escaped(_('unknown'))}</td>",
        f'<td class="mono">{escaped(devserver.private_ip or "—")}</td>',
        f'<td title="{escaped(date_format(timezone.localtime(devserver.created_at), "c"))}">'
        f"{escaped(timesince(devserver.created_at))}</td>",
        f"<td>{actions}</td>",
    ]
    return mark_safe("\n        ".join(cells))
