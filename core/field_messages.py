"""marshmallow's own field messages in the caller's language.

An API error's top-level message is translated, but the messages under `fields` came from
marshmallow in English ("Missing data for required field.") for a Chinese caller. marshmallow
has no translation hook of its own, so its messages are matched here, as it formats them,
against the templates below and sent through the app's catalogue (core's zh messages.po); a
message of the app's own (already translated) or one not listed passes unchanged. English
callers see exactly what marshmallow said.
"""

import re
from functools import cache

from flask_babel import gettext


def N_(message: str) -> str:
    """Marks a message for the catalogue (pybabel's default keyword); translated when sent."""
    return message


# marshmallow 4's messages for loading JSON, as its fields, schemas and validators word them;
# {name} is a value marshmallow fills in (validate.Range's are worded by inclusivity).
TEMPLATES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Not a valid boolean."),
    N_("Not a valid list."),
    N_("Not a valid tuple."),
    N_("Not a valid mapping type."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid naive datetime."),
    N_("Not a valid date."),
    N_("Not a valid time."),
    N_("Not a valid UUID."),
    N_("Not a valid URL."),
    N_("Not a valid email address."),
    N_("String does not match expected pattern."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than or equal to {max}."),
    N_("Must be greater than or equal to {min} and less than {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be one of: {choices}."),
    N_("Must be equal to {other}."),
)


@cache
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    """Each template as a pattern whose named groups take marshmallow's filled-in values,
    longest first: "Must be … {min}." would also match the "… {min} and … {max}." ones."""
    compiled = []
    for template in sorted(TEMPLATES, key=len, reverse=True):
        parts = re.split(r"\{(\w+)\}", template)
        pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                          for i, part in enumerate(parts))
        compiled.append((re.compile(pattern + r"\Z", re.S), template))
    return tuple(compiled)


def translate(message: str) -> str:
    """One message in the request's language (unchanged when it is not marshmallow's)."""
    for pattern, template in _patterns():
        found = pattern.match(message)
        if found:
            return gettext(template).format(**found.groupdict())
    return message


def translate_all(messages):
    """Field messages as marshmallow nests them (a dict per field or list index, a list of
    messages per field), each message translated."""
    if isinstance(messages, dict):
        return {key: translate_all(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_all(value) for value in messages]
    return translate(messages) if isinstance(messages, str) else messages
