"""Every route x every role -> the expected status, generated from app.url_map: a new route
without an entry in route_matrix_table.py fails, and so does a change of who gets what.

The URL parameters name objects of one world owned by `trainee`, `instructor` and `officer`
(same region); `other_trainee`, `other_instructor` and `other_officer` (another region) are the
adversaries, so a row also says who may touch another person's attempt, claim, evidence or
certificate. Requests carry the caller's bearer token (API) or login session with a valid CSRF
token (pages), and an empty body: an allowed caller typically gets 200 or 422, a refused one
401/302 (anonymous) or 403/404. Some pages refuse through the service and redirect with a
flashed error (302), so for page POSTs a 302 is not by itself a success.

To regenerate after an intended change: `MATRIX_RECORD=1 pytest tests/core/test_route_matrix.py`
writes route_matrix_table.py; review the diff row by row before committing it."""

import os
import pprint
import re
from datetime import timedelta
from pathlib import Path

from core.extensions import db
from core.timeutil import local_today
from subsidies import batches, evidence
from subsidies import service as subsidies_service
from tests import factories
from tests.attendance.helpers import link, live_session
from tests.certificates.test_outbox import sit_and_pass
from tests.exams.helpers import make_exam
from tests.subsidies.conftest import give_bank_account, make_policy

ROLES = ("anonymous", "trainee", "other_trainee", "instructor", "other_instructor", "officer",
         "other_officer", "enterprise", "admin")
REGION, OTHER_REGION = "330482", "110101"
MISSING = 987654321
# Requests that end the caller's session or token: log in again after them.
SESSION_ENDERS = {"DELETE /api/v1/auth/token", "POST /logout", "GET /logout",
                  "POST /account/sessions/end", "POST /account/password"}
# Requests that would change the world for the rest of a role's pass (an enrolment makes the
# other trainee an insider, a reissue supersedes the serial): each role sends these last.
LAST = {"POST /api/v1/courses/<int:course_id>/enrolments", "POST /courses/<int:course_id>/enrol",
        "POST /api/v1/offline-sessions/<int:session_id>/check-out/undo",
        "POST /api/v1/certificates/<serial>/reissue", "POST /certificates/<serial>/reissue",
        "DELETE /api/v1/courses/<int:course_id>/approval",
        "POST /courses/<int:course_id>/withdraw-approval",
        "POST /api/v1/payment-batches/<int:batch_id>/paid",
        "POST /subsidies/batches/<int:batch_id>/paid",
        "POST /api/v1/me/enrolments/<int:enrolment_id>/withdraw",
        "POST /my/courses/<int:enrolment_id>/withdraw", *SESSION_ENDERS}
RECORD = os.environ.get("MATRIX_RECORD") == "1"
from tests.core.route_matrix_table import TABLE  # noqa: E402

TABLE_FILE = Path(__file__).with_name("route_matrix_table.py")


def routes(app) -> list[str]:
    keys = set()
    for rule in app.url_map.iter_rules():
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            keys.add(f"{method} {rule.rule}")
    return sorted(keys)


def build_world(client) -> dict:
    occupation = factories.make_occupation(code="4-01-02-07", name_zh="直播销售员")
    institution = factories.make_institution(region_code=REGION)
    platform = factories.make_platform("Zoom")
    users = {
        "trainee": factories.make_user("trainee", key_groups=["rural_migrant"]),
        "other_trainee": factories.make_user("trainee"),
        "instructor": factories.make_user("instructor", institution_id=institution.id),
        "other_instructor": factories.make_user("instructor"),
        "officer": factories.make_user("officer"),
        "other_officer": factories.make_user("officer"),
        "enterprise": factories.make_user("enterprise", organisation="平湖箱包"),
        "admin": factories.make_user("admin"),
    }
    from accounts import scope

    scope.set_regions(users["admin"], users["officer"], [REGION])
    scope.set_regions(users["admin"], users["other_officer"], [OTHER_REGION])
    factories.assign_provider(users["instructor"], institution)
    db.session.commit()
    trainee, teacher, officer = users["trainee"], users["instructor"], users["officer"]
    make_policy(min_hours={"5": 1, "4": 1, "3": 1, "2": 1, "1": 1})
    course = factories.make_course(teacher, occupation=occupation, required_hours=1,
                                   institution_id=institution.id)
    factories.grant_attendance(trainee, course, 60)
    lesson = factories.grant_attendance(trainee, course, 5, source="lesson")
    offline_session = factories.grant_attendance(trainee, course, 5, source="offline")
    # Archiving ends a course for everyone after: the archive routes act on a spare course.
    spare = factories.make_course(teacher, occupation=occupation, institution_id=institution.id)
    from courses.models import Enrolment

    # The trainee passes this course's exam below, which completes the enrolment: withdrawing
    # from it is then 409 course_completed (tests/courses/test_lifecycle.py has the 200).
    enrolment_id = db.session.scalar(db.select(Enrolment.id).where(
        Enrolment.course_id == course.id, Enrolment.trainee_id == trainee.id))
    session = live_session(course, platform, room="85346571234")
    account = link(trainee, platform, "zoom-user-1")
    exam = make_exam(teacher, course)
    from certificates.models import Certificate
    from exams.models import Question

    question = db.session.scalar(db.select(Question).where(Question.bank_id == exam.bank_id))
    sit_and_pass(client, trainee, exam)
    certificate = db.session.scalar(db.select(Certificate))
    from subsidies.models import SubsidyClaim

    claim = db.session.scalar(db.select(SubsidyClaim).where(
        SubsidyClaim.certificate_id == certificate.id))
    proof = evidence.upload(trainee, "rural_migrant", "proof.pdf", b"%PDF-1.4 proof")
    evidence.confirm(officer, trainee.id, "rural_migrant", True)
    give_bank_account(trainee)
    subsidies_service.reevaluate(officer, claim)
    subsidies_service.decide_claim(officer, claim.id, True, "ok")
    second = factories.make_user("officer")
    batch = batches.create_batch(second, [claim.id])
    db.session.commit()
    from reports.models import EmploymentRecord
    from reports.orders import OrderData, dispatch, place_order

    job = EmploymentRecord(trainee_id=trainee.id, course_id=course.id, employer="平湖公司",
                           started_on=local_today(), monthly_wage_fen=400000,
                           status="reported")
    db.session.add(job)
    order = place_order(users["enterprise"], OrderData(
        occupation_code=occupation.code, level=5, workers=2, region_code=REGION,
        wage_fen=550000, starts_on=local_today() + timedelta(days=30)))
    dispatch(officer, order, [institution.id])
    db.session.commit()
    return {"users": users, "ids": {
        "course_id": course.id, "lesson_id": lesson.id, "attempt_id": _attempt_id(exam),
        "bank_id": exam.bank_id, "batch_id": batch.id, "claim_id": claim.id,
        "evidence_id": proof.id, "exam_id": exam.id, "order_id": order.id,
        "dispatch_id": order.dispatches[0].id, "policy_id": _policy_id(),
        "question_id": question.id, "record_id": job.id, "serial": certificate.serial,
        "live_session": session.id, "offline_session": offline_session.id,
        "trainee_id": trainee.id, "account_id": account.id, "platform_id": platform.id,
        "institution_id": institution.id, "instructor_id": teacher.id,
        "other_trainee_id": users["other_trainee"].id,
        "occupation_code": occupation.code, "spare_course_id": spare.id,
        "enrolment_id": enrolment_id}}


def _attempt_id(exam) -> int:
    from exams.models import Attempt

    return db.session.scalar(db.select(Attempt.id).where(Attempt.exam_id == exam.id))


def _policy_id() -> int:
    from subsidies.models import SubsidyPolicy

    return db.session.scalar(db.select(SubsidyPolicy.id))


FIXED = {"action": "approve", "answer": "accept", "decision": "confirm", "fmt": "csv",
         "group": "rural_migrant", "cert_type": "skill_level", "level": "5", "number": "1",
         "table": "summary", "dimension": "region", "token": "not-a-reset-token", "code": "zh",
         "filename": "css/app.css", "task_id": str(MISSING), "target_id": str(MISSING)}


def url_for_rule(rule: str, ids: dict) -> str:
    def value(match) -> str:
        name = match.group(2)
        if name in FIXED:
            return FIXED[name]
        if name == "session_id":
            return str(ids["live_session" if "/live" in rule else "offline_session"])
        if name == "provider_id":
            return str(ids["platform_id" if "/platforms/" in rule else "institution_id"])
        if name == "user_id":
            staff = "/institutions/" in rule or "/platforms/" in rule or "menu-admin" in rule
            return str(ids["instructor_id" if staff else "other_trainee_id"])
        if name == "kind":
            return "institution"
        if name == "course_id" and rule.endswith("/archive"):
            return str(ids["spare_course_id"])
        return str(ids[name])

    return re.sub(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>", value, rule)


def call(client, key: str, url: str, headers: dict):
    method = key.split(" ", 1)[0]
    if url.startswith("/api/"):
        kwargs = {"headers": headers} if method == "GET" else {"headers": headers, "json": {}}
    else:
        kwargs = {} if method == "GET" else {"data": {"csrf_token": headers.get("csrf", "")}}
    return client.open(url, method=method, **kwargs)


def sign_in(client, user) -> dict:
    factories.login(client, user)
    headers = factories.api_headers(client, user)
    headers["csrf"] = factories.csrf_token(client, "/account")
    return headers


def observe(app, world: dict, role: str) -> dict[str, int]:
    client = app.test_client()
    user = world["users"].get(role)
    headers = sign_in(client, user) if user else {}
    seen = {}
    for key in sorted(routes(app), key=lambda k: k in LAST):
        url = url_for_rule(key.split(" ", 1)[1], world["ids"])
        response = call(client, key, url, headers)
        seen[key] = response.status_code
        response.close()
        if user and (key in SESSION_ENDERS or response.status_code == 401):
            client = app.test_client()
            headers = sign_in(client, user)
    return seen


def write_table(rows: dict[str, dict[str, int]]) -> None:
    table = {key: " ".join(str(rows[key][role]) for role in ROLES) for key in sorted(rows)}
    TABLE_FILE.write_text(
        '"""Expected status per route, roles in this order:\n' + " ".join(ROLES)
        + '\nGenerated with MATRIX_RECORD=1 and reviewed (see test_route_matrix.py)."""\n\n'
        "TABLE = " + pprint.pformat(table, width=100, sort_dicts=True) + "\n",
        encoding="utf-8")


def test_every_route_has_an_entry(app):
    assert sorted(TABLE) == routes(app), "add the new route to route_matrix_table.py"


def test_every_role_gets_the_expected_status_on_every_route(app):
    """One world for all roles (building it signs a PDF); the roles run in ROLES order on it,
    so the table is deterministic even where an allowed empty request changes something."""
    client = app.test_client()
    world = build_world(client)
    rows: dict[str, dict[str, int]] = {}
    wrong = {}
    for column, role in enumerate(ROLES):
        for key, status in observe(app, world, role).items():
            rows.setdefault(key, {})[role] = status
            if key in TABLE and int(TABLE[key].split()[column]) != status:
                wrong.setdefault(role, {})[key] = (int(TABLE[key].split()[column]), status)
    if RECORD:
        write_table(rows)
    assert not {k: s for k, r in rows.items() for s in r.values() if s >= 500}
    assert not wrong, f"role -> route -> (expected, got): {wrong}"
