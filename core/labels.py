"""Translated labels for the codes kept in the database (statuses, modes, types, groups).

Pages never show a code: templates call `label(kind, code)`. Each feature registers its own
kinds in init_app (core imports no feature). An unknown code falls back to the code itself, and
tests/core/test_no_raw_codes.py catches that on the pages.
"""

_LABELS: dict[str, dict] = {}


def register(kind: str, titles: dict) -> None:
    _LABELS.setdefault(kind, {}).update(titles)


def label(kind: str, code) -> str:
    if code is None:
        return ""
    titles = _LABELS.get(kind, {})
    keys = [code, str(code)] + ([int(code)] if str(code).isdigit() else [])
    for key in keys:
        if key in titles:
            return str(titles[key])
    return str(code)


def titles(kind: str) -> dict:
    return dict(_LABELS.get(kind, {}))
