"""Form helpers shared by features."""

from wtforms.fields.choices import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in 3.3)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def show_service_error(form, error, renames: dict | None = None,
                       with_details: bool = False) -> None:
    """Put a ServiceError's field messages on the form's fields (`renames` maps API field names
    to form field names); flash the message when no field could show it."""
    from flask import flash

    def as_list(messages):
        return messages if isinstance(messages, list) else [messages]

    shown = False
    for name, messages in error.fields.items():
        target = (renames or {}).get(name, name)
        if target in form:
            form[target].errors = list(form[target].errors) + [str(m) for m in as_list(messages)]
            shown = True
    if not shown:
        details = "; ".join(str(m) for ms in error.fields.values() for m in as_list(ms))
        flash(error.message + (f" {details}" if with_details and details else ""), "error")
