"""The per-course CSV export: its exact text on a small fixture (columns, order, values,
encoding, the formula guard, attendance band edges) and a statement count that does not grow
with the number of courses."""

from datetime import date

import pytest

from reports import figures, sources
from reports.figures import ReportFilter
from reports.sources import Period
from tests.factories import count_statements, grant_attendance, login, make_course, make_user
from tests.reports.helpers import at, certify, enrol_at, job


@pytest.fixture
def courses(instructor):
    """Three courses of 10 required hours (600 minutes). Sewing: four trainees watched a lesson
    for 119, 120, 479 and 480 minutes (just under and exactly on the 20 % and 80 % band edges),
    one enrolled without attendance, one withdrawn; two certified, one confirmed job.
    The formula-looking title is guarded; the other course has one trainee last year only."""
    sewing = make_course(instructor, title="箱包缝纫工, 速成班", required_hours=10)
    formula = make_course(instructor, title="=SUM(A1) 直播", required_hours=10)
    old = make_course(instructor, title="Old course", required_hours=10)
    people = [make_user("trainee") for _ in range(6)]
    for person, minutes in zip(people[:4], (119, 120, 479, 480), strict=True):
        grant_attendance(person, sewing, minutes, "lesson")
    enrol_at(people[4], sewing, at(2026, 3))
    enrol_at(people[5], sewing, at(2026, 3), status="withdrawn")
    certify(people[0], sewing, at(2026, 6))
    certify(people[3], sewing, at(2026, 6))
    job(people[3], sewing, date(2026, 6, 1))
    enrol_at(people[0], formula, at(2026, 5))
    grant_attendance(people[0], formula, 600, "lesson")
    enrol_at(people[1], old, at(2025, 5))
    return {"sewing": sewing, "formula": formula, "old": old}


def expected_csv(courses) -> str:
    sewing, formula = courses["sewing"].id, courses["formula"].id
    return ("\ufeffkey,label,trained,sat,passed,pass_rate,certified,subsidised,employed,"
            "employment_rate,attendance_0-20,attendance_20-40,attendance_40-60,"
            "attendance_60-80,attendance_80-100\r\n"
            f'{sewing},"箱包缝纫工, 速成班",5,0,0,,2,0,1,0.2,2,1,0,1,1\r\n'
            f"{formula},'=SUM(A1) 直播,1,0,0,,0,0,0,0.0,0,0,0,0,1\r\n")


@pytest.mark.parametrize("whole_table", [False, True], ids=["id-list", "whole-table"])
def test_course_csv_text_is_pinned(client, officer, courses, monkeypatch, whole_table):
    if whole_table:  # the path the large data set takes (more courses than an IN list)
        monkeypatch.setattr(sources, "WHOLE_TABLE", 1)
    login(client, officer)
    response = client.get("/reports/export/course.csv?year=2026")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.get_data().decode("utf-8") == expected_csv(courses)


@pytest.mark.parametrize("whole_table", [False, True], ids=["id-list", "whole-table"])
def test_course_table_statement_count(app, courses, monkeypatch, whole_table):
    """One statement per figure, the employed share, the titles, the exam sittings and the
    attendance bands: nine, however many courses (no per-course or per-row queries)."""
    if whole_table:
        monkeypatch.setattr(sources, "WHOLE_TABLE", 1)
    whole = ReportFilter(Period.of(2026))
    with app.test_request_context("/"):
        with count_statements() as statements:
            rows = figures.course_table(whole, None)
        assert len(statements) == 9
        make_course(title="Another", required_hours=10)
        enrol_at(make_user("trainee"), courses["old"], at(2026, 7))
        with count_statements() as statements:
            more = figures.course_table(whole, None)
        assert len(statements) == 9 and len(more) == len(rows) + 1
