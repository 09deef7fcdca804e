"""Resident identity numbers (GB 11643): 18 characters, ISO 7064 MOD 11-2 check character."""

import re
from datetime import date

from core.timeutil import local_today

# Province-level codes of the administrative division code (GB/T 2260).
PROVINCES = {
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
    "65", "71", "81", "82",
}
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
REGION_CODE = re.compile(r"^\d{6}$")


def check_character(first17: str) -> str:
    """ISO 7064 MOD 11-2 over 17 digits (certificate serials use it too)."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(value: str) -> str:
    return (value or "").strip().upper()


def validate(value: str, today: date | None = None) -> str | None:
    """Return None when valid, else a short English reason (translated by the caller)."""
    number = normalise(value)
    if len(number) != 18:
        return "must be 18 characters"
    if not _SHAPE.match(number):
        return "must be 17 digits followed by a digit or X"
    if number[:2] not in PROVINCES:
        return "unknown province code"
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "birth date is not a real date"
    if born < date(1900, 1, 1) or born > (today or local_today()):
        return "birth date is out of range"
    if check_character(number[:17]) != number[17]:
        return "check character does not match"
    return None


def birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def mask(number: str | None) -> str:
    """`430102199001011234` → `4301**********123X`-style: first 4 and last 4 kept."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def valid_region(code: str) -> bool:
    return bool(REGION_CODE.match(code or "")) and code[:2] in PROVINCES


def make_valid(first17: str) -> str:
    """Complete 17 digits with their check character (demo data and tests)."""
    return first17 + check_character(first17)
