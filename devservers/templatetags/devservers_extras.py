from django import template

register = template.Library()


@register.filter
def errors_for(form, field_name: str) -> list[str]:
    """Errors of one field, the form's own and those the cloud sent back for it."""
    return form.field_errors(field_name)
