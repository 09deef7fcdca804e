"""Text no database stores: the NUL character (PostgreSQL refuses it in a text column: 500 on
every API field and search box; SQLite kept "a\\0b" as a trainee's name for every export to
trip on) and a lone UTF-16 surrogate (JSON allows "\\ud800"; nothing can encode it as UTF-8).
Refused once, before any view: a path holding one is 404, a query, form or JSON value 422 in
the API (`invalid_characters`) and 400 on a page; nothing is changed."""

import re

from flask import abort, request
from flask_babel import gettext as _

from core import errors

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# JSON carries either only as an escape (a raw NUL or surrogate is already a parse error):
# a body without \u0000 or \uD800-\uDFFF needs no walk (a 1,000-event webhook batch: one
# scan of the bytes instead of ~5 ms of walking).
_ESCAPED = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _holds(value) -> bool:
    if isinstance(value, str):
        return _UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_holds(k) or _holds(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds(v) for v in value)
    return False


def refuse_unstorable_text():
    """A before_request hook (core.setup)."""
    if _UNSTORABLE.search(request.path):
        abort(404)
    found = any(_holds(key) or _holds(values) for key, values in request.args.lists())
    if not found and request.mimetype in _FORMS:
        found = any(_holds(key) or _holds(values) for key, values in request.form.lists())
    if not found and request.is_json and _ESCAPED.search(request.get_data()):
        found = _holds(request.get_json(silent=True))
    if not found:
        return None
    if errors.is_api_request():
        return errors.json_error(
            422, "invalid_characters",
            _("Text may not contain the NUL character or an unpaired surrogate."))
    abort(400)
