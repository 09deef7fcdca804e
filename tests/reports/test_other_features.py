"""Passed and subsidised figures, pass rate and subsidy money come from the exams and
subsidies features' records (these tests run once those features are installed)."""

from datetime import timedelta

import pytest

from core.extensions import db
from tests.factories import api_headers, make_course, make_user
from tests.reports.helpers import at, certify, enrol_at


def _installed(name: str) -> bool:
    from app import FEATURES

    return name in FEATURES


@pytest.mark.skipif(not _installed("exams"), reason="exams feature not installed")
def test_passed_and_pass_rate_from_final_exam_results(client, officer, instructor):
    from exams.models import Attempt, Exam, QuestionBank

    course = make_course(instructor)
    bank = QuestionBank(occupation_id=course.occupation_id, level=5, title="题库",
                        owner_id=instructor.id)
    db.session.add(bank)
    db.session.flush()
    exam = Exam(course_id=course.id, bank_id=bank.id, title="结业考试", blueprint=[],
                time_limit_minutes=60, opens_at=at(2026, 1, 1), closes_at=at(2026, 12, 1),
                max_attempts=3)
    db.session.add(exam)
    db.session.flush()
    people = [make_user("trainee") for _ in range(3)]
    for n, (person, result) in enumerate(zip(people, (True, False, None), strict=True)):
        enrol_at(person, course, at(2026, 3))
        started = at(2026, 4, 1 + n)
        db.session.add(Attempt(
            exam_id=exam.id, trainee_id=person.id, number=1,
            status="completed" if result is not None else "awaiting_practical",
            started_at=started, deadline=started + timedelta(hours=1),
            submitted_at=started + timedelta(minutes=50), passed=result,
            completed_at=started + timedelta(minutes=50) if result is not None else None))
    db.session.commit()
    headers = api_headers(client, officer)
    summary = client.get("/api/v1/reports/summary?year=2026", headers=headers).get_json()
    assert summary["passed"] == 1
    rows = client.get("/api/v1/reports/breakdown/course?year=2026",
                      headers=headers).get_json()["items"]
    row = next(r for r in rows if r["key"] == course.id)
    assert (row["sat"], row["passed"], row["pass_rate"]) == (2, 1, 0.5)


@pytest.mark.skipif(not _installed("subsidies"), reason="subsidies feature not installed")
def test_subsidised_people_and_money_from_claims(client, officer, instructor):
    from subsidies.models import PaymentBatch, SubsidyClaim

    course = make_course(instructor, region_code="330482")
    batch = PaymentBatch(status="paid", total_fen=100000, claim_count=1,
                         created_by_id=officer.id, paid_at=at(2026, 9))
    db.session.add(batch)
    db.session.flush()
    claims = []
    for n, status in enumerate(("approved", "paid", "pending", "rejected")):
        person = make_user("trainee")
        enrol_at(person, course, at(2026, 2))
        cert = certify(person, course, at(2026, 6))
        claims.append(SubsidyClaim(
            trainee_id=person.id, certificate_id=cert.id, course_id=course.id,
            occupation_id=course.occupation_id, level=5, region_code="330482",
            claim_year=2026, status=status, eligible=status != "rejected",
            amount_fen=(70000, 100000, 70000, 0)[n], decision={"reasons": []},
            decided_at=at(2026, 7) if status in ("approved", "paid", "rejected") else None,
            batch_id=batch.id if status == "paid" else None,
            paid_at=at(2026, 9) if status == "paid" else None))
    db.session.add_all(claims)
    db.session.commit()
    summary = client.get("/api/v1/reports/summary?year=2026",
                         headers=api_headers(client, officer)).get_json()
    assert summary["subsidised"] == 2
    assert summary["money"] == {"approved_fen": 170000, "paid_fen": 100000}


def test_figures_of_missing_features_are_zero(client, officer):
    summary = client.get("/api/v1/reports/summary?year=2026",
                         headers=api_headers(client, officer)).get_json()
    for name in ("passed", "subsidised"):
        assert summary[name] == 0
        assert summary["features"][name] == (name == "passed" and _installed("exams")
                                             or name == "subsidised"
                                             and _installed("subsidies"))
