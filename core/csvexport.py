"""CSV exports, one writer for every feature. Each cell goes through the spreadsheet formula
guard (OWASP "CSV injection"): text starting with = + - @ tab or CR gets a leading apostrophe,
so a spreadsheet program shows it as text instead of running it."""

import csv
import io

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a CSV cell: None → empty, formula-looking text → quoted with an apostrophe.
    Numbers stay numbers (a negative amount is not a formula)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def unguarded(value):
    """A cell read back from one of our exports (a re-import): the guard's apostrophe goes."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def csv_text(header: list, rows, bom: bool = True) -> str:
    """Header and rows as CSV text (with a BOM, so spreadsheet programs read Chinese as UTF-8)."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def csv_response(text: str | bytes, filename: str, **headers: str) -> Response:
    """A download of CSV text (text/csv; charset=utf-8)."""
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', **headers})
