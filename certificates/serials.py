"""Certificate serials: SB + year + 6-digit region + level + 6-digit sequence + check character.

The check character is ISO 7064 MOD 11-2 over the 17 digits, as on a resident ID number.
"""

import re

from flask_babel import gettext as _

from accounts.idcard import check_character
from certificates.models import SerialCounter
from core.errors import Conflict
from core.extensions import db
from core.models import conflict_insert

SERIAL = re.compile(r"^SB(\d{4})(\d{6})([1-5])(\d{6})([\dX])$")


def format_serial(year: int, region_code: str, level: int, sequence: int) -> str:
    digits = f"{year:04d}{region_code}{level}{sequence:06d}"
    return f"SB{digits}{check_character(digits)}"


def is_valid(serial: str) -> bool:
    """Shape and check character (catches a mistyped digit before any lookup)."""
    match = SERIAL.match(serial or "")
    return bool(match) and check_character(serial[2:19]) == serial[19]


def next_sequence(year: int, region_code: str, level: int) -> int:
    """Atomically take the next sequence number: an upsert on the counter row, inside the
    caller's transaction, so a rolled-back issue gives its number back and concurrent issues
    queue on the row lock (each gets its own number; the unique serial is the backstop).
    """
    stmt = conflict_insert(SerialCounter).values(
        year=year, region_code=region_code, level=level, last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["year", "region_code", "level"],
        set_={"last_value": SerialCounter.last_value + 1},
    ).returning(SerialCounter.last_value)
    value = db.session.execute(stmt).scalar_one()
    if value > 999999:
        raise Conflict(_("The serial range for this year, region and level is exhausted."),
                       code="serials_exhausted")
    return value
