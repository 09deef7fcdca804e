"""The whole money chain end to end, through the public API, pages and CLI only: real
attendance (a watched lesson, an offline class with the rotating code, a Zoom meeting) opens
the exam gate, a real exam is passed, a signed certificate with a status-list entry is issued,
its claim is approved by one officer, batched by a second and paid by a third, and the reports
count the person once. A second chain fails on the way (no signing key, then a retry; a
revocation before payment) and loses or overpays nothing.

Only reference data (occupation, institution, platform) is made by factories. Time passes by
moving the system clock (core.timeutil.run_clock_from), which every feature reads."""

import hashlib
import hmac
import io
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import func, select

from certificates.keys import KeyStore
from certificates.models import Certificate, IssuanceOutbox
from core import timeutil
from core.extensions import db
from exams.models import Attempt
from subsidies.models import SubsidyClaim
from tests import factories
from tests.attendance.test_adapters import zoom_participant
from tests.certificates.test_credentials import bit, fetch_jwks, local_path
from tests.exams.helpers import QUESTIONS, correct_answer

PASSWORD = "Chain-test-pass-42"
REGION = "330482"  # 平湖市
OTHER_REGION = "110101"
MEETING_ID = "85346571234"


@pytest.fixture
def clock():
    """Move the system clock; put it back where the suite's clock would be afterwards."""
    saved = timeutil.clock_offset()
    yield timeutil.run_clock_from
    timeutil.run_clock_from(datetime.now(UTC) + saved)


def ok(response, status=200):
    assert response.status_code == status, (response.status_code,
                                            response.get_data(as_text=True)[:800])
    return response.get_json()


def bearer(client, login: str) -> dict:
    body = ok(client.post("/api/v1/auth/token", json={"login": login, "password": PASSWORD}))
    return {"Authorization": f"Bearer {body['token']}"}


def staff(runner, client, role: str, email: str, name: str, regions=()) -> dict:
    out = runner.invoke(args=["users", "create", "--role", role, "--email", email,
                              "--password", PASSWORD, "--name", name])
    assert out.exit_code == 0, out.output
    if regions:
        out = runner.invoke(args=["reports", "officer-region", email, *regions])
        assert out.exit_code == 0, out.output
    return bearer(client, email)


def register(client, name: str, phone: str, n: int) -> tuple[int, dict]:
    body = ok(client.post("/api/v1/trainees", json={
        "password": PASSWORD, "name": name, "id_number": factories.valid_id_number(n, REGION),
        "phone": phone, "region_code": REGION, "key_groups": ["rural_migrant"],
        "consent": True}), 201)
    return body["id"], bearer(client, phone)


def zoom_post(client, platform_id: int, secret: str, payload: dict):
    body = json.dumps(payload).encode()
    stamp = str(int(time.time()))  # Zoom signs with its own (real) clock
    mac = hmac.new(secret.encode(), f"v0:{stamp}:".encode() + body, hashlib.sha256)
    return client.post(f"/api/v1/live/zoom/{platform_id}", data=body, headers={
        "Content-Type": "application/json", "x-zm-request-timestamp": stamp,
        "x-zm-signature": "v0=" + mac.hexdigest()})


class World:
    """Everything the chain's people and course need, made through the API."""

    def __init__(self, client, runner, clock):
        self.client, self.runner, self.clock = client, runner, clock
        c = client
        self.base = timeutil.now_utc().replace(second=0, microsecond=0) + timedelta(minutes=1)
        occupation = factories.make_occupation(code="4-01-02-07", name_zh="直播销售员")
        institution = factories.make_institution(name="平湖市职业技能培训中心")
        self.platform = factories.make_platform("Zoom")
        self.approver = staff(runner, c, "officer", "approver@chain.test", "审核员", [REGION])
        self.batcher = staff(runner, c, "officer", "batcher@chain.test", "制单员", [REGION])
        self.payer = staff(runner, c, "officer", "payer@chain.test", "出纳", [REGION])
        self.stranger = staff(runner, c, "officer", "far@chain.test", "外区", [OTHER_REGION])
        self.teacher = staff(runner, c, "instructor", "teacher@chain.test", "陈老师")
        teacher_id = ok(c.get("/api/v1/me", headers=self.teacher))["id"]
        ok(c.post(f"/api/v1/institutions/{institution.id}/instructors",
                  json={"user_id": teacher_id}, headers=self.approver))
        # the policy in force: level 5 needs one hour of training for this short course
        defaults = _default_settings()
        defaults["min_hours"]["5"] = 1
        ok(c.post("/api/v1/subsidy-policies", json={
            "name": "平湖市 2026", "region_prefix": REGION, "effective_from": "2026-01-01",
            "settings": defaults}, headers=self.approver), 201)
        self.course_id = ok(c.post("/api/v1/courses", json={
            "title": "直播销售员五级实训班", "occupation_code": occupation.code, "level": 5,
            "mode": "blended", "required_hours": 1, "region_code": REGION, "subsidised": True,
            "provider": {"kind": "institution", "id": institution.id}},
            headers=self.teacher), 201)["id"]
        ok(c.post(f"/api/v1/courses/{self.course_id}/publish", headers=self.teacher))
        ok(c.post(f"/api/v1/courses/{self.course_id}/approve", headers=self.approver))
        self.lesson_id = ok(c.post(f"/api/v1/courses/{self.course_id}/lessons", json={
            "title": "商品讲解", "kind": "video", "duration_minutes": 20},
            headers=self.teacher), 201)["id"]
        self.offline_id = ok(c.post(f"/api/v1/courses/{self.course_id}/offline-sessions", json={
            "title": "实训楼 201 实操", "location": "实训楼 201",
            "starts_at": (self.base + timedelta(minutes=30)).isoformat(),
            "ends_at": (self.base + timedelta(minutes=50)).isoformat()},
            headers=self.teacher), 201)["id"]
        self.zoom_secret = "zoom-secret-token-0123456789"
        ok(c.post(f"/api/v1/platforms/{self.platform.id}/webhook-secret",
                  json={"adapter": "zoom", "secret": self.zoom_secret}, headers=self.approver))
        ok(c.post(f"/api/v1/courses/{self.course_id}/live-sessions", json={
            "title": "直播带货实操", "kind": "selling_practice", "platform_id": self.platform.id,
            "room": MEETING_ID, "starts_at": (self.base + timedelta(minutes=60)).isoformat(),
            "ends_at": (self.base + timedelta(minutes=80)).isoformat()},
            headers=self.teacher), 201)
        bank_id = ok(c.post("/api/v1/question-banks", json={
            "occupation_code": occupation.code, "level": 5, "title": "直播销售员五级题库"},
            headers=self.teacher), 201)["id"]
        for question in QUESTIONS:
            data = {k: v for k, v in question.items() if k != "partial_credit"}
            ok(c.post(f"/api/v1/question-banks/{bank_id}/questions", json=data,
                      headers=self.teacher), 201)
        self.exam_id = ok(c.post(f"/api/v1/courses/{self.course_id}/exams", json={
            "title": "直播销售员五级理论考试", "bank_id": bank_id, "blueprint": [{"count": 4}],
            "time_limit_minutes": 30, "opens_at": self.base.isoformat(),
            "closes_at": (self.base + timedelta(days=7)).isoformat(), "max_attempts": 1,
            "pass_theory": 60, "pass_practical": None}, headers=self.teacher), 201)["id"]

    def paperwork(self, trainee_id: int, me: dict, card: str) -> None:
        """Bank account and key-group evidence, confirmed by an officer of the region."""
        c = self.client
        ok(c.put("/api/v1/me/bank-account", json={"bank_name": "中国农业银行",
                                                  "account_number": card}, headers=me))
        ok(c.put("/api/v1/me/key-groups/rural_migrant/evidence",
                 data={"file": (io.BytesIO(b"%PDF-1.4 evidence"), "proof.pdf")},
                 headers=me, content_type="multipart/form-data"))
        far = c.post(f"/api/v1/trainees/{trainee_id}/key-groups/rural_migrant/confirm",
                     json={"confirmed": True}, headers=self.stranger)
        assert far.status_code == 403
        ok(c.post(f"/api/v1/trainees/{trainee_id}/key-groups/rural_migrant/confirm",
                  json={"confirmed": True}, headers=self.approver))

    def at(self, minutes: float) -> None:
        self.clock(self.base + timedelta(minutes=minutes))

    def attend(self, me: dict, user_ref: str, slot: int = 0) -> None:
        """Watch the lesson for 20 minutes, attend the 20-minute class and the
        20-minute Zoom meeting; `slot` offsets the attendance so trainees take turns on the
        lesson (each has their own watch clock anyway)."""
        c = self.client
        # the Zoom account, pending until the instructor vouches for it
        link = ok(c.put(f"/api/v1/me/platform-accounts/{self.platform.id}",
                        json={"user_ref": user_ref}, headers=me), 201)
        assert link["status"] == "pending"
        assert ok(c.post(f"/api/v1/platform-accounts/{link['id']}/verify",
                         headers=self.teacher))["status"] == "verified"
        # the recorded lesson: a heartbeat every 30 s of real (system) time for 20 minutes
        for beat in range(41):
            self.at(slot + beat / 2)
            ok(c.post(f"/api/v1/lessons/{self.lesson_id}/heartbeat", json={
                "position": beat * 30, "state": "playing", "active": True}, headers=me))
        # the offline class: the code on the instructor's screen, in at the start, out at the end
        for minute, direction in ((30, "in"), (50, "out")):
            self.at(minute)
            code = ok(c.get(f"/api/v1/offline-sessions/{self.offline_id}/code",
                            headers=self.teacher))["code"]
            ok(c.post(f"/api/v1/offline-sessions/{self.offline_id}/check-{direction}",
                      json={"code": code}, headers=me))
        # the Zoom meeting, as Zoom delivers it once the meeting is over
        self.at(81)
        for kind, minute in (("joined", 60), ("left", 80)):
            payload = zoom_participant(kind, self.base + timedelta(minutes=minute),
                                       user_id=f"conn-{user_ref}", participant_user_id=user_ref)
            assert ok(zoom_post(c, self.platform.id, self.zoom_secret, payload))


def _default_settings() -> dict:
    from subsidies import policies

    return policies.default_settings()


def sit_exam(client, exam_id: int, me: dict) -> dict:
    paper = ok(client.post(f"/api/v1/exams/{exam_id}/attempts", headers=me), 201)
    assert all("correct" not in o for q in paper["questions"] for o in q.get("options", []))
    for question in paper["questions"]:
        ok(client.put(f"/api/v1/attempts/{paper['attempt_id']}/answers/{question['id']}",
                      json={"answer": correct_answer(question)}, headers=me))
    result = ok(client.post(f"/api/v1/attempts/{paper['attempt_id']}/submit", headers=me))
    return {"attempt_id": paper["attempt_id"], **result}


def verify_credential(client, serial: str) -> tuple[dict, int, str]:
    """The stored credential checked by PyJWT against the served JWKS; its status entry."""
    token = client.get(f"/api/v1/certificates/{serial}/credential").get_data(as_text=True)
    header = jwt.get_unverified_header(token)
    keys = jwt.PyJWKSet.from_dict(fetch_jwks(client, header["kid"]))
    key = next(k for k in keys.keys if k.key_id == header["kid"])
    claims = jwt.decode(token, key.key, algorithms=[header["alg"]],
                        options={"verify_aud": False})
    status = claims["vc"]["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    return claims, int(status["statusListIndex"]), local_path(status["statusListCredential"])


def status_bit(client, list_url: str, index: int) -> int:
    listed = client.get(list_url, headers={"Accept": "application/json"}).get_json()
    return bit(listed["credentialSubject"]["encodedList"], index)


def test_the_whole_chain_from_attendance_to_payment_and_reports(client, runner, clock):
    w = World(client, runner, clock)
    c = client
    trainee_id, me = register(c, "李春花", "13912340001", 11)
    # bank account and key-group evidence, confirmed by an officer of the region
    w.paperwork(trainee_id, me, "6200000000000005")

    # before any attendance the exam gate is shut
    ok(c.post(f"/api/v1/courses/{w.course_id}/enrolments", headers=me), 201)
    shut = c.post(f"/api/v1/exams/{w.exam_id}/attempts", headers=me)
    assert shut.status_code == 403 and shut.get_json()["error"]["code"] == "not_eligible"
    w.attend(me, "zoom-user-1")

    sheet = ok(c.get(f"/api/v1/me/courses/{w.course_id}/attendance", headers=me))
    assert sheet["required_minutes"] == 60
    # each source credits its 20 minutes, never more (whole minutes, rounded down: the
    # heartbeats and the check-in land a few milliseconds after the minute)
    assert set(sheet["by_source"]) == {"lesson", "offline", "live"}, sheet
    assert all(19 <= m <= 20 for m in sheet["by_source"].values()), sheet
    assert sum(sheet["by_source"].values()) <= sheet["attended_minutes"] <= 60
    assert sheet["eligible_for_exam"] is True

    w.at(90)
    result = sit_exam(c, w.exam_id, me)
    assert result["passed"] is True and result["theory_score"] == 100

    items = ok(c.get("/api/v1/me/certificates", headers=me))["items"]
    assert len(items) == 1 and items[0]["status"] == "valid"
    serial = items[0]["serial"]
    verified = ok(c.get(f"/api/v1/certificates/{serial}/verify"))
    assert verified["status"] == "valid" and verified["signature_valid"] is True
    claims, index, list_url = verify_credential(c, serial)
    assert claims["vc"]["credentialSubject"]["achievement"]["fieldOfStudy"] == "4-01-02-07"
    assert status_bit(c, list_url, index) == 0
    pdf = c.get(items[0]["pdf_url"], headers=me)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")

    # the claim, with every rule's result
    mine = ok(c.get("/api/v1/me/claims", headers=me))["items"]
    assert len(mine) == 1
    claim = mine[0]
    assert claim["status"] == "pending" and claim["decision"]["eligible"] is True
    assert claim["amount_fen"] == 49000  # level 5: 700 yuan, blended course at 70 %
    claim_id = claim["id"]
    full = ok(c.get(f"/api/v1/claims/{claim_id}", headers=w.approver))
    rules = {r["rule"]: r for r in full["decision"]["reasons"]}
    assert all(r["passed"] for r in rules.values()) and "yearly_cap" in rules
    assert rules["attendance"]["passed"] is True and rules["key_group"]["passed"] is True

    # another region's officer may not decide it; the approver approves
    far = c.post(f"/api/v1/claims/{claim_id}/decision", json={"approve": True, "reason": "ok"},
                 headers=w.stranger)
    assert far.status_code == 403 and far.get_json()["error"]["code"] == "region_forbidden"
    ok(c.post(f"/api/v1/claims/{claim_id}/decision", json={"approve": True, "reason": "材料齐全"},
              headers=w.approver))
    # four eyes: the approver cannot batch, the batcher cannot pay
    own = c.post("/api/v1/payment-batches", json={}, headers=w.approver)
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "separation_of_duties"
    batch = ok(c.post("/api/v1/payment-batches", json={}, headers=w.batcher), 201)
    assert batch["total_fen"] == 49000
    csv_text = c.get(f"/api/v1/payment-batches/{batch['id']}.csv",
                     headers=w.payer).get_data(as_text=True)
    assert "李春花" in csv_text and "6200000000000005" in csv_text
    assert "490.00" in csv_text or "49000" in csv_text
    paid = c.post(f"/api/v1/payment-batches/{batch['id']}/paid", headers=w.batcher)
    assert paid.status_code == 403 and paid.get_json()["error"]["code"] == "separation_of_duties"
    ok(c.post(f"/api/v1/payment-batches/{batch['id']}/paid", headers=w.payer))
    again = c.post("/api/v1/payment-batches", json={}, headers=w.batcher)
    assert again.status_code == 409  # nothing left: paid once
    assert ok(c.get(f"/api/v1/claims/{claim_id}", headers=w.approver))["status"] == "paid"

    # employment, confirmed by an officer; then the reports count the person once everywhere
    job = ok(c.post("/api/v1/me/employment", json={
        "employer": "平湖市某电商公司", "started_on": "2026-06-16",
        "occupation_code": "4-01-02-07", "monthly_wage_fen": 450000}, headers=me), 201)
    ok(c.post(f"/api/v1/employment/{job['id']}/confirm", headers=w.approver))
    summary = ok(c.get(f"/api/v1/reports/summary?year=2026&region={REGION}",
                       headers=w.approver))
    assert (summary["trained"], summary["certified"], summary["subsidised"],
            summary["employed"]) == (1, 1, 1, 1), summary
    assert db.session.scalar(select(func.count(SubsidyClaim.id))) == 1



def test_a_failed_issuance_and_a_revocation_lose_nothing_and_pay_nothing_wrongly(
        app, client, runner, clock):
    w = World(client, runner, clock)
    c = client
    first_id, first = register(c, "王大山", "13912340002", 12)
    second_id, second = register(c, "赵小红", "13912340003", 13)
    for trainee_id, me, card, ref, slot in ((first_id, first, "6205500000000000004", "zu-a", 0),
                                            (second_id, second, "6250941006528599", "zu-b", 1)):
        w.paperwork(trainee_id, me, card)
        w.at(slot)
        ok(c.post(f"/api/v1/courses/{w.course_id}/enrolments", headers=me), 201)
        w.attend(me, ref, slot)

    # the first trainee passes while the server has no signing key (only public keys)
    w.at(90)
    real = app.extensions["certificate_keys"]
    app.extensions["certificate_keys"] = KeyStore(public=dict(real.public))
    try:
        result = sit_exam(c, w.exam_id, first)
    finally:
        app.extensions["certificate_keys"] = real
    assert result["passed"] is True
    attempt = db.session.get(Attempt, result["attempt_id"])
    assert attempt.passed is True  # the result is kept
    assert ok(c.get("/api/v1/me/certificates", headers=first))["items"] == []
    outbox = db.session.scalar(select(IssuanceOutbox))
    assert outbox.state == "pending" and "signing key" in outbox.last_error
    issuing = ok(c.get("/api/v1/certificates/issuing", headers=w.approver))
    assert issuing["total"] == 1
    assert db.session.scalar(select(func.count(SubsidyClaim.id))) == 0  # nothing to pay yet

    # the retry issues it, once; the claim follows
    out = runner.invoke(args=["certificates", "retry"])
    assert out.exit_code == 0 and "1 certificates issued, 0 still pending" in out.output
    assert "0 certificates issued" in runner.invoke(args=["certificates", "retry"]).output
    first_cert = db.session.scalar(select(Certificate).where(
        Certificate.trainee_id == first_id))
    assert first_cert.attempt_id == attempt.id
    _claims, _index, _url = verify_credential(c, first_cert.serial)

    # the second trainee passes normally
    w.at(95)
    assert sit_exam(c, w.exam_id, second)["passed"] is True
    second_cert = db.session.scalar(select(Certificate).where(
        Certificate.trainee_id == second_id))
    _claims, index, list_url = verify_credential(c, second_cert.serial)
    assert status_bit(c, list_url, index) == 0

    # neither trainee sees the other's attempt, certificate PDF or claim
    assert c.get(f"/api/v1/attempts/{attempt.id}", headers=second).status_code in (403, 404)
    assert c.get(f"/api/v1/certificates/{first_cert.serial}/pdf",
                 headers=second).status_code == 403

    listed = ok(c.get("/api/v1/claims", headers=w.approver))["items"]
    claims = {cl["trainee"]["id"]: cl for cl in listed}
    assert len(claims) == 2
    for claim in claims.values():
        ok(c.post(f"/api/v1/claims/{claim['id']}/decision",
                  json={"approve": True, "reason": "材料齐全"}, headers=w.approver))
    # the second certificate is revoked (fraud found) before payment
    ok(c.post(f"/api/v1/certificates/{second_cert.serial}/revoke",
              json={"reason": "冒名顶替", "category": "fraud"}, headers=w.approver))
    assert status_bit(c, list_url, index) == 1
    assert ok(c.get(f"/api/v1/certificates/{second_cert.serial}/verify"))["status"] == \
        "revoked"
    second_claim = claims[second_id]
    assert ok(c.get(f"/api/v1/claims/{second_claim['id']}", headers=w.approver))["status"] \
        == "rejected"  # the approval does not survive the revocation

    batch = ok(c.post("/api/v1/payment-batches", json={}, headers=w.batcher), 201)
    assert batch["total_fen"] == 49000 and len(batch["claims"]) == 1
    ok(c.post(f"/api/v1/payment-batches/{batch['id']}/paid", headers=w.payer))
    assert ok(c.get(f"/api/v1/claims/{claims[first_id]['id']}",
                    headers=w.approver))["status"] == "paid"
    assert ok(c.get(f"/api/v1/claims/{second_claim['id']}",
                    headers=w.approver))["status"] == "rejected"
    paid = db.session.scalars(select(SubsidyClaim).where(SubsidyClaim.status == "paid")).all()
    assert [cl.trainee_id for cl in paid] == [first_id]
    summary = ok(c.get(f"/api/v1/reports/summary?year=2026&region={REGION}",
                       headers=w.approver))
    assert summary["trained"] == 2 and summary["certified"] == 1 \
        and summary["subsidised"] == 1, summary
