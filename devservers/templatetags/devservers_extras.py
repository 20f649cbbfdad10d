import html
from functools import lru_cache

from django import template
from django.template.defaultfilters import date as date_format
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from devservers.instances.progress import Progress, progress_of
from devservers.models import status_label
from devservers.models.audit import audit_outcome_label
from devservers.provisioning.lifecycle import delete_stops_first

register = template.Library()


# URLs reversed once per view and script prefix; a row's id is put in place of this mark: a page
# reverses 50 to 100 of them, each costing more than the rest of its cell.
_ID_MARK = 2_147_483_647


@lru_cache(maxsize=64)
def _reversed(view_name: str, script_prefix: str, args: tuple[int, ...] = ()) -> str:
    return reverse(view_name, args=args)


def page_url(view_name: str) -> str:
    """`reverse(view_name)`, reversed once per script prefix."""
    return _reversed(view_name, get_script_prefix())


def escaped(value: object) -> str:
    """`conditional_escape`, without the lazy-string checks it makes on every call: for rows put
    together as plain strings, a page's hundreds of values."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def row_url(view_name: str, pk: int) -> SafeString:
    """`reverse(view_name, args=[pk])`, escaped."""
    url = _reversed(view_name, get_script_prefix(), (_ID_MARK,)).replace(str(_ID_MARK), str(int(pk)))
    return mark_safe(escaped(url))


def csrf_input(context: template.Context) -> SafeString:
    """`{% csrf_token %}`, for the rows' forms written in Python."""
    csrf_token = context.get("csrf_token")
    if not csrf_token or csrf_token == "NOTPROVIDED":
        return mark_safe("")
    return mark_safe(f'<input type="hidden" name="csrfmiddlewaretoken" value="{escaped(csrf_token)}">')


@register.filter
def detail_url(pk: int) -> SafeString:
    """A row's detail page: `{% url 'devservers:detail' pk %}`, for pages of rows."""
    return row_url("devservers:detail", pk)


@register.filter
def errors_for(form, field_name: str) -> list[str]:
    """Errors of one field, the form's own and those the cloud sent back for it."""
    return form.field_errors(field_name)


def filled(translated: str, **values: object) -> SafeString:
    """`{% blocktranslate %}` in Python: the translation as written, its values escaped."""
    return mark_safe(translated % {name: escaped(value) for name, value in values.items()})


def _progress_note(progress: Progress | None, *, next_try: bool) -> SafeString:
    if progress is None:
        return mark_safe("")
    if not progress.is_overdue:
        text = filled(_("Usually takes %(usual)s."), usual=progress.usual_label)
        return format_html('<span class="progress-note" data-testid="progress">{}</span>', text)
    late = filled(
        _("Taking longer than usual (usually %(usual)s): %(waiting)s"),
        usual=progress.usual_label,
        waiting=progress.waiting_on,
    )
    when = ""
    if next_try and progress.next_attempt_at:
        at = timezone.localtime(progress.next_attempt_at)
        when = format_html(
            '; {} <time datetime="{}" data-local-time="time">{}</time>',
            _("next try at"),
            date_format(at, "c"),
            date_format(at, "H:i:s e"),
        )
    return format_html(
        '<span class="progress-note overdue" data-testid="progress">{}{}.</span>', late, when
    )


@register.simple_tag
def status_badge(devserver, *, next_try: bool = True) -> SafeString:
    """A server's status badge, its flags (slow, schedule failed, imported) and, while it changes, how
    it does against the usual time (with the next try's time, unless the page says it elsewhere).
    Written here rather than as an included template: the list renders it for up to 50 rows."""
    classes = f"status-{devserver.status.lower()}"
    classes += " failed" if devserver.is_failed else ""
    classes += " changing" if devserver.is_changing else ""
    flags = []
    if devserver.flagged_slow_at:
        flags.append(
            format_html(
                ' <span class="badge warn" title="{}">{}</span>',
                _("Not running within the time limit"),
                _("slow"),
            )
        )
    if devserver.schedule_error:
        flags.append(
            format_html(
                ' <span class="badge failed" title="{}" data-testid="schedule-failed-badge">{}</span>',
                devserver.schedule_error,
                _("schedule failed"),
            )
        )
    if devserver.is_imported:
        flags.append(
            format_html(
                ' <span class="badge" title="{}" data-testid="imported">{}</span>',
                _("Found in the cloud, not created here"),
                _("imported"),
            )
        )
    spinner = '<span class="spinner" aria-hidden="true"></span>' if devserver.is_changing else ""
    # Put together as a plain string: `format_html` costs more than the rest of the badge.
    return mark_safe(
        f'<span class="badge {escaped(classes)}" data-testid="status">\n  {spinner}{escaped(devserver.status_label)}'
        f"\n</span>{''.join(flags)}{_progress_note(progress_of(devserver), next_try=next_try)}"
    )


@register.filter(name="delete_stops_first")
def delete_stops_first_filter(status: str) -> bool:
    """A delete asked in this status stops the server first."""
    return delete_stops_first(status)


@register.filter
def lookup(mapping: dict, key: str) -> object:
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


@register.filter
def error_links(form) -> list[tuple[str, str]]:
    """Each field error as (the anchor of its input, "Label: message"), in the form's order, for the summary."""
    if form is None:
        return []
    links = []
    for name, field in form.fields.items():
        anchor = "flavor-table" if name == "flavor" else f"id_{form.add_prefix(name)}"
        errors = form.field_errors(name) if hasattr(form, "field_errors") else form.errors.get(name, [])
        label = field.label or name.replace("_", " ").capitalize()
        links += [(anchor, f"{label}: {error}") for error in errors]
    return links


@register.filter(name="status_label")
def status_label_filter(status: str) -> str:
    """A status as the badges say it ("Submitting"), not as stored ("SUBMITTING")."""
    return status_label(status) if status else "—"


@register.filter
def audit_outcome(outcome: str) -> str:
    return audit_outcome_label(outcome)


@register.filter
def is_choice_group(bound_field) -> bool:
    """Radio buttons and checkbox lists: a group that needs a fieldset and legend, not one label."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", "")
    return input_type == "radio" or (
        input_type == "checkbox" and getattr(widget, "allow_multiple_selected", False)
    )
