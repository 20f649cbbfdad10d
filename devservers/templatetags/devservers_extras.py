from django import template

from devservers.instances.progress import Progress, progress_of
from devservers.models import status_label
from devservers.models.audit import audit_outcome_label
from devservers.provisioning.lifecycle import LIFECYCLE_ACTIONS, can_ask, delete_stops_first

register = template.Library()


@register.filter
def errors_for(form, field_name: str) -> list[str]:
    """Errors of one field, the form's own and those the cloud sent back for it."""
    return form.field_errors(field_name)


@register.filter(name="progress")
def progress_filter(devserver) -> Progress | None:
    """How a changing row does against the usual time of its status (None when it is not changing)."""
    return progress_of(devserver)


@register.filter(name="delete_stops_first")
def delete_stops_first_filter(status: str) -> bool:
    """A delete asked in this status stops the server first."""
    return delete_stops_first(status)


@register.filter
def lifecycle_actions(devserver) -> list[tuple[object, bool]]:
    """Every action, with whether the server's status allows it now (the buttons show both)."""
    return [(action, can_ask(action, devserver.status)) for action in LIFECYCLE_ACTIONS.values()]


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
