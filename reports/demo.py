"""Demo: the year's targets, jobs after training (some confirmed), a follow-up list, and one
demand order carried from order to hires. `load_large` adds 100,000 trainees for benchmarks."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from accounts import idcard
from accounts.models import User
from certificates.models import Certificate
from core.extensions import db
from core.timeutil import local_today
from courses import service as courses
from courses.models import Course
from reports import orders, service
from reports.models import FollowUpNote

FOLLOW_UP_TRAINEES = [
    ("孙晓梅", "330482", "13588001122"), ("钱志强", "330482", "13588003344"),
    ("周红", "330106", "13588005566"), ("吴建国", "430121", "13588007788"),
    ("郑小燕", "330482", "13588009900"), ("冯磊", "430121", "13588112233"),
]


def _trainee(name: str, region: str, phone: str, n: int) -> User:
    from accounts import service as accounts
    from accounts.demo import DEMO_PASSWORD

    return accounts.register_trainee(accounts.Registration(
        email=f"demo.trainee{n}@demo.skillbridge.cn", password=DEMO_PASSWORD, name=name,
        id_number=idcard.make_valid(f"{region}1996{1 + n % 12:02d}{10 + n:02d}{n:03d}"),
        phone=phone, region_code=region, key_groups=["rural_migrant"] if n % 2 else [],
        consent=True))


def _issued(certificates: list[Certificate], officer: User) -> None:
    """The certificates came through the real issuance path (which opened the subsidy claims
    when subsidies is installed); the officer approves the eligible ones."""
    from reports.sources import installed

    db.session.flush()
    if not installed("subsidies"):
        return
    from subsidies import service as subsidies
    from subsidies.models import SubsidyClaim

    for claim in db.session.scalars(select(SubsidyClaim).where(
            SubsidyClaim.certificate_id.in_([c.id for c in certificates]),
            SubsidyClaim.status == "pending", SubsidyClaim.eligible.is_(True))):
        subsidies.decide_claim(officer, claim.id, True, None)


def _certificate(trainee: User, course: Course, issued: datetime) -> Certificate:
    """A signed certificate through the certificates service (serial from its counter; the
    PDF renders on first download, which keeps `flask demo load` quick)."""
    from certificates import service as certificates

    return certificates.issue_for_attempt(trainee_id=trainee.id, course_id=course.id,
                                          exam_id=None, attempt_id=None, render=False,
                                          issued_at=issued)


def load(ctx: dict) -> None:
    from reports import large

    # Earlier features' bulk loads may insert users with explicit ids (PostgreSQL sequences
    # then lag behind): move the sequence past them before creating users here.
    large.fix_sequences([User.__table__])
    officer, enterprise = ctx["users"]["officer"], ctx["users"]["enterprise"]
    instructor = ctx["users"]["instructor"]
    today = local_today()
    year = today.year
    # Targets for the year: the two demo cities and the county of the demo institution.
    for region, figures in (("330482", (300, 240, 220, 150, 180)),
                            ("330106", (200, 160, 150, 100, 120)),
                            ("430121", (250, 200, 180, 120, 150))):
        service.set_target(officer, year, region, dict(zip(
            ("trained", "passed", "certified", "subsidised", "employed"), figures,
            strict=True)))
    service.set_target(officer, year, "330482", {"trained": 80, "employed": 60},
                       occupation_code="6-05-05-01")

    # A course that ended 40 days ago and one that ended 100 days ago: the follow-up list.
    course_list = ctx["courses"]
    ended_30 = course_list[3]   # 电子仪器仪表装配工五级 (平湖)
    ended_90 = course_list[6]   # 养老护理员五级 (长沙县)
    ended_30.starts_on, ended_30.ends_on = today - timedelta(days=100), today - timedelta(days=40)
    ended_90.starts_on, ended_90.ends_on = today - timedelta(days=160), today - timedelta(days=100)
    people = [_trainee(name, region, phone, n) for n, (name, region, phone)
              in enumerate(FOLLOW_UP_TRAINEES, start=1)]
    issued = datetime.combine(today - timedelta(days=45), datetime.min.time(), UTC)
    issued_now = []
    for n, person in enumerate(people):
        course = ended_30 if n % 2 == 0 else ended_90
        courses.enrol(person, course.id)
        if n < 4:
            issued_now.append(_certificate(person, course, issued))
    _issued(issued_now, officer)
    # Two of them found work: one confirmed by the officer, one still awaiting confirmation.
    job = service.report_employment(people[0], service.EmploymentReport(
        employer="平湖市智能仪表有限公司", started_on=today - timedelta(days=20),
        monthly_wage_fen=520000, occupation_code="6-25-04-01", contract_months=24,
        course_id=ended_30.id))
    service.decide_employment(officer, job, True)
    service.report_employment(people[1], service.EmploymentReport(
        employer="长沙县康乐养老院", started_on=today - timedelta(days=10),
        monthly_wage_fen=450000, occupation_code="4-10-01-05", course_id=ended_90.id))
    db.session.add(FollowUpNote(trainee_id=people[3].id, course_id=ended_90.id,
                                author_id=officer.id, outcome="reached_seeking",
                                note="在找养老院护理岗位，已推荐两家用人单位。"))

    # One demand order carried from order to hires: 平湖箱包 orders 3 luggage sewing workers,
    # the officer dispatches it to 平湖 training centre, which links its sewing course.
    sewing = course_list[9]     # 箱包缝纫工速成班 (平湖市职业技能培训中心)
    order = orders.place_order(enterprise, orders.OrderData(
        occupation_code="6-05-05-01", level=5, workers=3, region_code="330482",
        wage_fen=550000, starts_on=today + timedelta(days=14),
        note="熟练使用平缝机、包缝机；包食宿。"))
    orders.dispatch(officer, order, [ctx["institutions"][0].id])
    instructor.institution_id = sewing.institution_id
    orders.accept(instructor, order.dispatches[0], sewing.id)
    sewing.starts_on, sewing.ends_on = today - timedelta(days=60), today - timedelta(days=35)
    hires = []
    issued_now = []
    for n, trainee in enumerate(ctx["trainees"]):
        courses.enrol(trainee, sewing.id)
        if n < 2:
            issued_now.append(_certificate(trainee, sewing, issued + timedelta(days=1)))
    _issued(issued_now, officer)
    for trainee in ctx["trainees"][:2]:
        hires.append(orders.hire(enterprise, order, trainee.id, started_on=today))
    ctx["demand_order"] = order
    ctx["employment"] = [job, *hires]
    # A year of records behind the charts: a few hundred trainees through the year (bulk
    # rows, but their certificates are really issued and signed).
    large.load(ctx, trainees=400, events=4000, targets=False, signed=True)


def load_large(ctx: dict, trainees: int = 100_000) -> None:
    from reports import large

    large.load(ctx, trainees)

