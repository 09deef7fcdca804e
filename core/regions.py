"""Administrative division codes (GB/T 2260): names and the province → city → district tree.

The data is bundled (core/data/regions.json, from the `china-division` package of the npm
registry, licence WTFPL), so nothing is fetched at run time. Codes are six digits: a province
is `PP0000`, a city `PPCC00`, a district `PPCCDD`. A region filter or scope is a prefix
(`33` or `330000` the province, `3304` or `330400` the city).
"""

import json
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "regions.json"
# City-level placeholders under municipalities carry no meaning of their own.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@cache
def _names() -> dict[str, str]:
    return json.loads(_DATA.read_text(encoding="utf-8"))


def prefix(code: str) -> str:
    """The significant digits of a code: `330000` → `33`, `330400` → `3304`."""
    code = (code or "").strip()
    if len(code) == 6 and code.isdigit():
        if code.endswith("0000"):
            return code[:2]
        if code.endswith("00"):
            return code[:4]
    return code


def normalise(code: str) -> str:
    """A prefix written as a full six-digit code (`33` → `330000`)."""
    code = (code or "").strip()
    return code.ljust(6, "0") if code.isdigit() and len(code) in (2, 4) else code


def is_known(code: str) -> bool:
    return normalise(code) in _names()


def is_code(code: str | None) -> bool:
    """A full six-digit code of the list (a district, a city or a province), not a prefix."""
    return len(code or "") == 6 and code in _names()


def name(code: str) -> str:
    """The region's own name (平湖市); an unknown code is returned as it is."""
    return _names().get(normalise(code), code or "")


def full_name(code: str) -> str:
    """Province, city and district names (浙江省 嘉兴市 平湖市); unknown codes as they are."""
    code = normalise(code)
    names = _names()
    if code not in names:
        return code or ""
    parts = [names.get(code[:2] + "0000")]
    if code[2:4] != "00":
        parts.append(names.get(code[:4] + "00"))
        if code[4:] != "00":
            parts.append(names[code])
    return " ".join(p for p in parts if p and p not in _PLACEHOLDERS)


def children(parent: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the provinces (no parent), a province's cities or a city's districts."""
    names = _names()
    if not parent:
        return [(c, n) for c, n in names.items() if c.endswith("0000")]
    p = prefix(parent)
    if len(p) == 2:
        return [(c, n) for c, n in names.items()
                if c.startswith(p) and c.endswith("00") and not c.endswith("0000")]
    if len(p) == 4:
        return [(c, n) for c, n in names.items() if c.startswith(p) and not c.endswith("00")]
    return []


def within(code: str, scope: str) -> bool:
    """Whether region `code` lies inside `scope` (a province, city or district code/prefix)."""
    return (code or "").startswith(prefix(scope))


def overlaps(code: str, scopes) -> bool:
    """Does region `code` share ground with one of `scopes` (inside one, or holding one)?
    A picker limited to an officer's regions offers such a province or city to go through.
    No scopes means every region."""
    own = prefix(code)
    return not scopes or any(own.startswith(prefix(s)) or prefix(s).startswith(own)
                             for s in scopes)


def covered(code: str, scopes) -> bool:
    """Is region `code` wholly inside one of `scopes`? No scopes means every region."""
    return not scopes or any(within(code, s) for s in scopes)
