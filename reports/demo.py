"""Demo: the year's targets, jobs after training (some confirmed), a follow-up list, and one
demand order carried from order to hires. `load_large` adds 100,000 trainees for benchmarks."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from accounts import idcard
from accounts.models import User
from certificates.models import Certificate
from core.extensions import db
from core.timeutil import local_today, now_utc
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


def _attended(ctx: dict, course: Course, trainees: list[User], last_day: date) -> None:
    """Eight full-day offline classes ending on `last_day`, each trainee checked in and out
    with the class's rotating code (64 hours: past the threshold of every demo course)."""
    from attendance import offline

    instructor = ctx["users"]["instructor"]
    place = course.institution.name if course.institution else course.title
    for n in range(8):
        start = datetime.combine(last_day - timedelta(days=7 - n), time(1), UTC)  # 09:00 Beijing
        session = offline.schedule(instructor, course, {
            "title": f"{course.title} 第{n + 1}次课", "location": place,
            "starts_at": start, "ends_at": start + timedelta(hours=8)})
        for trainee in trainees:
            for direction, at in (("in", start - timedelta(minutes=10)),
                                  ("out", start + timedelta(hours=8, minutes=5))):
                offline.check(trainee, session, offline.code_at(session, at), direction,
                              "demo", now=at)


def _passed(ctx: dict, course: Course, trainees: list[User], last_day: date) -> None:
    """Attendance, then the course's exam passed five days ago: certificates and claims come
    from the real exam → certificate → claim path, so the report figures agree."""
    from exams import demo as exams_demo

    _attended(ctx, course, trainees, last_day)
    exams_demo.pass_past_course(ctx, course, trainees, now_utc() - timedelta(days=5))
    db.session.flush()


def _claims_in_every_state(ctx: dict, people: list[User]) -> None:
    """Decisions by the right officers (four eyes): 周敏 approves and rejects, 吴刚 batches,
    周敏 marks a batch paid. 李春花's exam claim stays pending; people without a confirmed
    key group stay ineligible."""
    from reports.sources import installed

    if not installed("subsidies"):
        return
    from subsidies import batches, evidence
    from subsidies import service as subsidies

    officer, second = ctx["users"]["officer"], ctx["users"]["officer2"]
    star, wang = ctx["trainees"][0], ctx["trainees"][1]
    evidence.confirm(officer, wang.id, "laid_off", True)
    for person in people:
        if person.profile.key_groups:
            evidence.confirm(officer, person.id, person.profile.key_groups[0].group, True)

    def claim_of(trainee: User, course: Course):
        return next(c for c in subsidies.claims_of(trainee.id)
                    if c.kind == "certificate" and c.course_id == course.id)

    sewing, approved, rejected = ctx["courses"][9], people[0], people[2]
    subsidies.decide_claim(officer, claim_of(approved, ctx["courses"][3]).id, True, None)
    subsidies.decide_claim(officer, claim_of(rejected, ctx["courses"][3]).id, False,
                           "核查社保记录：培训期间已在本地企业连续参保，不属于农民工重点群体。")
    paid, in_batch = claim_of(wang, sewing), claim_of(star, sewing)
    for claim in (paid, in_batch):
        subsidies.decide_claim(officer, claim.id, True, None)
    batch = batches.create_batch(second, [paid.id])
    batches.mark_paid(officer, batch.id)
    batches.create_batch(second, [in_batch.id])


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
    # The first four passed: two in each course (the other two trained and did not sit).
    for n, person in enumerate(people):
        courses.enrol(person, (ended_30 if n % 2 == 0 else ended_90).id)
    _passed(ctx, ended_30, people[0:4:2], ended_30.ends_on)
    _passed(ctx, ended_90, people[1:4:2], ended_90.ends_on)
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
    for trainee in ctx["trainees"]:
        courses.enrol(trainee, sewing.id)
    _passed(ctx, sewing, ctx["trainees"][:2], sewing.ends_on)
    _claims_in_every_state(ctx, people[:4])
    for trainee in ctx["trainees"][:2]:
        hires.append(orders.hire(enterprise, order, trainee.id, started_on=today))
    ctx["demand_order"] = order
    ctx["employment"] = [job, *hires]
    _walk_hints(ctx)


def _walk_hints(ctx: dict) -> None:
    """What README's five-minute walk needs from this load (ids and the serial vary)."""
    import click

    star = ctx["trainees"][0]
    serial = db.session.scalar(select(Certificate.serial).where(
        Certificate.trainee_id == star.id, Certificate.course_id == ctx["flagship_course"].id))
    lines = [f"certificate to verify at /verify: {serial} ({star.name})"]
    if ctx.get("running_offline_session"):
        lines.append("offline class running now: /attendance/offline/"
                     f"{ctx['running_offline_session'].id} (screen: .../screen)")
    if ctx.get("running_live_session"):
        lines.append(f"live class running now: /attendance/live/{ctx['running_live_session'].id}")
    if ctx.get("exam"):
        lines.append(f"exam 赵丽 may start: /exams/{ctx['exam'].id}")
    if ctx.get("awaiting_scoring"):
        lines.append(f"practical to score: /teach/attempts/{ctx['awaiting_scoring'].id}/score")
    for line in lines:
        click.echo(f"    walk: {line}")


def load_large(ctx: dict, trainees: int = 100_000) -> None:
    from reports import large

    large.load(ctx, trainees)

