"""Every CSV export goes through core.csvexport: cells that a spreadsheet would run as a
formula (= + - @ tab CR, per OWASP) come out as text, read here with Python's csv module."""

import csv
import io

import pytest

from core.csvexport import FORMULA_START, csv_text, safe_cell, unguarded
from tests.factories import api_headers

EVIL = "=HYPERLINK(\"http://evil.example/\",\"点我\")"


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("start", FORMULA_START)
def test_formula_cells_get_an_apostrophe(start):
    assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert unguarded(safe_cell(start + "1+1")) == start + "1+1"


def test_plain_values_are_untouched():
    assert [safe_cell(v) for v in ("李春花", 12, -500, 0.5, None, "a=b")] == \
        ["李春花", 12, -500, 0.5, "", "a=b"]
    rows = _rows(csv_text(["name", "amount"], [["-1", -1]]))
    assert rows == [["name", "amount"], ["'-1", "-1"]]


def test_exam_results_csv_guards_trainee_names(client, instructor, make_user):
    from tests.exams.helpers import setup_exam

    trainee = make_user("trainee", name=EVIL)
    exam = setup_exam(instructor, trainee)
    headers = api_headers(client, trainee)
    assert client.post(f"/api/v1/exams/{exam.id}/attempts", headers=headers).status_code == 201
    response = client.get(f"/api/v1/exams/{exam.id}/results.csv",
                          headers=api_headers(client, instructor))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = _rows(response.get_data(as_text=True))
    assert rows[1][2] == "'" + EVIL


def test_bulk_verify_csv_guards_the_echoed_serial(client, officer):
    data = {"file": (io.BytesIO(b"@SUM(A1:A9),x,1234\n"), "c.csv")}
    response = client.post("/api/v1/certificates/verify-batch", data=data,
                           headers=api_headers(client, officer),
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert _rows(response.get_data(as_text=True))[1][0] == "'@SUM(A1:A9)"
