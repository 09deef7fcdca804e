"""The demo carries one order from placement to hires and fills the follow-up list; the walk's
menu, claims and report figures; CLI."""

from sqlalchemy import func, select

from accounts import scope
from accounts.models import User
from certificates.models import Certificate
from core.extensions import db
from core.timeutil import local_today
from courses.models import Occupation, Platform
from exams.models import Attempt
from reports import figures, service
from reports.models import DemandOrder, EmploymentRecord, Target
from reports.sources import Period
from subsidies.models import SubsidyClaim


def test_demo_load_shows_targets_follow_up_and_an_order(runner, app):
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    order = db.session.scalar(select(DemandOrder))
    assert order.status == "in_training"
    from reports.orders import pipeline

    figures = pipeline(order)
    assert figures["hired"] == 2 and figures["certified"] >= 2 and figures["ordered"] == 3
    assert db.session.scalar(select(func.count(Target.id))) >= 3
    assert db.session.scalar(select(func.count(EmploymentRecord.id)).where(
        EmploymentRecord.status == "confirmed")) >= 3
    assert db.session.scalars(service.follow_up_query(None, "30")).first() is not None
    assert db.session.scalars(service.follow_up_query(None, "90")).first() is not None
    _assert_menu(runner)
    _assert_claims_in_every_state()
    _assert_figures_agree()
    _walk(app)


# README's walk: (login, page, text each language must show); README gives a fresh load's ids,
# looked up here by what they are (PostgreSQL sequences do not restart between tests).
WALK = [
    ("13800138000", "/", {"zh": "今日实训：直播间分组演练", "en": "今日实训：直播间分组演练"}),
    ("13800138000", "/attendance/lessons/{lesson}", {"zh": "演示短片", "en": "演示短片"}),
    ("13800138000", "/attendance/offline/{offline}", {"zh": "签到", "en": "Check in"}),
    ("13800138000", "/attendance/live/{live}", {"zh": "年货节预热专场", "en": "年货节预热专场"}),
    ("13800138000", "/certificates/mine", {"zh": "SB2026", "en": "SB2026"}),
    ("13800138000", "/my/subsidies", {"zh": "700", "en": "700"}),
    ("13700137000", "/exams/{exam}", {"zh": "互联网营销师五级职业技能等级认定",
                                 "en": "互联网营销师五级职业技能等级认定"}),
    ("13600136002", "/teach", {"zh": "直播销售员", "en": "直播销售员"}),
    ("13600136002", "/attendance/offline/{offline}/screen", {"zh": "", "en": ""}),
    ("13600136002", "/teach/attempts/{attempt}/score", {"zh": "刘洋", "en": "刘洋"}),
    ("officer@demo.skillbridge.cn", "/subsidies/?status=rejected", {"zh": "周红", "en": "周红"}),
    ("officer2@demo.skillbridge.cn", "/subsidies/batches", {"zh": "", "en": ""}),
    ("officer@demo.skillbridge.cn", "/reports", {"zh": "", "en": ""}),
    ("officer@demo.skillbridge.cn", "/menu-admin/", {"zh": "之江工匠云课堂",
                                                     "en": "Electronic instrument assembler"}),
    ("13600136003", "/orders", {"zh": "", "en": ""}),
    (None, "/verify", {"zh": "", "en": ""}),
]


def _walk(app) -> None:
    """Every step of README's walk opens for its role, in Chinese and in English."""
    from attendance.models import LiveSession, OfflineSession
    from courses.models import Lesson
    from exams.models import Exam
    from tests.factories import csrf_token

    ids = {
        "lesson": db.session.scalar(select(Lesson.id).where(Lesson.title.like("演示短片%"))),
        "offline": db.session.scalar(select(OfflineSession.id).where(
            OfflineSession.title == "今日实训：直播间分组演练")),
        "live": db.session.scalar(select(LiveSession.id).where(
            LiveSession.title.like("%年货节预热专场"))),
        "exam": db.session.scalar(select(Exam.id).where(
            Exam.title == "互联网营销师五级职业技能等级认定")),
        "attempt": db.session.scalar(select(Attempt.id).where(
            Attempt.status == "awaiting_practical"))}
    for lang in ("zh", "en"):
        for login_name, template, texts in WALK:
            url = template.format(**ids)
            client = app.test_client()
            client.get(f"/lang/{lang}")
            if login_name:
                response = client.post("/login", data={
                    "email": login_name, "password": "skillbridge-demo",
                    "csrf_token": csrf_token(client, "/login")})
                assert response.status_code == 302, (login_name, lang)
            page = client.get(url)
            assert page.status_code == 200, (login_name, url, lang, page.status_code)
            html = page.get_data(as_text=True)
            assert texts[lang] in html, (login_name, url, lang, texts[lang])
            assert '<html lang="{}"'.format("zh-CN" if lang == "zh" else "en") in html, \
                (url, lang)


def _assert_menu(runner) -> None:
    """A provincial list of recommended platforms; Chenzhou's shortage occupations with English
    names; the bundled file is an ordinary menu import (importing it again changes nothing)."""
    platforms = db.session.scalars(select(Platform)).all()
    assert len(platforms) >= 50
    listed = [p for p in platforms if p.recommended_by == "浙江省人力资源和社会保障厅"]
    assert len(listed) >= 50
    assert all(p.website.startswith("https://") and p.recommended_on and "运营单位" in
               p.description for p in listed)
    chenzhou = [o for o in db.session.scalars(select(Occupation)) if o.shortage_in("431002")]
    names = {o.name_zh for o in chenzhou}
    assert {"电子仪器仪表装配工", "家政服务员", "养老护理员"} <= names and len(chenzhou) >= 20
    assert all(o.name_en for o in chenzhou)
    result = runner.invoke(args=["menu", "import", "courses/data/demo_menu.csv"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Platform.id))) == len(platforms)


def _email(user_id: int | None) -> str | None:
    return db.session.get(User, user_id).email if user_id else None


def _assert_claims_in_every_state() -> None:
    claims = db.session.scalars(select(SubsidyClaim).where(
        SubsidyClaim.kind == "certificate")).all()
    by_status = {}
    for claim in claims:
        by_status.setdefault(claim.status, []).append(claim)
    assert {"pending", "approved", "rejected", "in_batch", "paid", "ineligible"} <= set(by_status)
    officer, second = "officer@demo.skillbridge.cn", "officer2@demo.skillbridge.cn"
    assert all(_email(c.decided_by_id) == officer for c in by_status["approved"])
    assert all(c.review_reason for c in by_status["rejected"])
    for claim in by_status["in_batch"] + by_status["paid"]:
        # four eyes: approved by one officer, batched by the other
        assert _email(claim.decided_by_id) == officer and _email(claim.batched_by_id) == second
    for claim in by_status["paid"]:
        assert claim.batch.status == "paid" and _email(claim.batch.paid_by_id) == officer
        assert claim.batch.created_by_id != claim.batch.paid_by_id
    assert all(c.eligible is False for c in by_status["ineligible"])
    assert [c.trainee.name for c in by_status["pending"]] == ["李春花"]


def _assert_figures_agree() -> None:
    period = Period.of(local_today().year)
    f = figures.ReportFilter(period=period)
    counts = {name: figures.count(name, f) for name in
              ("trained", "passed", "certified", "subsidised")}
    assert counts["trained"] >= counts["passed"] >= counts["certified"] >= \
        counts["subsidised"] > 0, counts
    holders = db.session.scalar(select(func.count(func.distinct(Certificate.trainee_id)))
                                .where(Certificate.status != "revoked"))
    passers = db.session.scalar(select(func.count(func.distinct(Attempt.trainee_id)))
                                .where(Attempt.passed.is_(True)))
    assert counts["certified"] == holders and counts["passed"] == passers
    # every certificate comes from a passed attempt of its holder on its course
    for certificate in db.session.scalars(select(Certificate)):
        assert certificate.attempt_id is not None
        attempt = db.session.get(Attempt, certificate.attempt_id)
        assert attempt.passed and attempt.trainee_id == certificate.trainee_id


def test_officer_region_cli(runner, officer):
    result = runner.invoke(args=["reports", "officer-region", officer.email, "330400"])
    assert result.exit_code == 0, result.output
    assert scope.regions_of(officer) == ("330400",)
    assert "嘉兴市" in result.output
    assert runner.invoke(args=["reports", "officer-region", officer.email, "33"]).exit_code != 0
    assert runner.invoke(args=["reports", "officer-region", "nobody@x.cn"]).exit_code != 0
    # several regions at once; a district inside a chosen city adds nothing
    result = runner.invoke(args=["reports", "officer-region", officer.email, "330400",
                                 "330482", "430100"])
    assert result.exit_code == 0, result.output
    assert scope.regions_of(officer) == ("330400", "430100")
    assert runner.invoke(args=["reports", "officer-region", officer.email,
                               "999999"]).exit_code != 0
    assert scope.regions_of(officer) == ("330400", "430100")
    runner.invoke(args=["reports", "officer-region", officer.email])
    db.session.expire_all()
    assert scope.regions_of(officer) == ()
