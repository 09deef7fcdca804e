"""Demo menu shaped like a county labour bureau's: platforms, institutions, occupations, courses.
The provincial list of recommended platforms and more shortage occupations come from
data/demo_menu.csv through the officers' menu import (`flask menu import` reads it too)."""

import random
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from core.extensions import db
from core.timeutil import local_today, now_utc
from courses import curation, providers, service
from courses.models import Course, CourseInstructor, Institution, Lesson, Occupation, Platform

PLATFORMS = [
    ("技能强国 Skills China", "https://jinengqiangguo.example.cn", "人力资源社会保障部",
     "2025-06-01",
     "国家职业技能提升平台，覆盖数百个职业的线上课程。"),
    ("学习强国职业技能频道", "https://xuexi-skills.example.cn", "省人社厅", "2025-09-15",
     "面向农民工和新就业形态劳动者的线上技能课程。"),
    ("直播电商学院 Live Commerce Academy", "https://live-commerce.example.cn", "市人社局",
     "2026-03-01", "互联网营销师（直播销售员）实训平台，含直播间实操。"),
]
INSTITUTIONS = [
    ("平湖市职业技能培训中心", "330482", "3304822026001"),
    ("长沙县人力资源培训学校", "430121", "4301212026017"),
    ("杭州市西湖区家政服务培训学校", "330106", "3301062025042"),
]
# Shortage lists: Zhejiang (33), Hunan (43), Jiaxing (3304), Chenzhou (4310, 郴州市: its list
# of 38 includes these and the occupations in data/demo_menu.csv).
OCCUPATIONS = [
    ("4-01-02-07", "互联网营销师", "Internet marketing specialist (live-stream sales)", "54321",
     ["33", "43"]),
    ("6-25-04-01", "电子仪器仪表装配工", "Electronic instrument assembler", "54321",
     ["33", "4310"]),
    ("4-10-01-06", "家政服务员", "Housekeeping attendant", "54321", ["33", "43"]),
    ("4-10-01-05", "养老护理员", "Elderly care attendant", "54321", ["33", "43", "11"]),
    ("4-10-01-02", "育婴员", "Childcare attendant", "543", ["4310"]),
    ("6-05-05-01", "箱包制作工", "Luggage and bag sewing worker", "54321", ["3304"]),
    ("6-16-03-03", "玻璃纤维及制品工", "Fibreglass products worker", "543", []),
    ("4-08-05-04", "农产品食品检验员", "Agricultural product and food inspector", "54321", []),
    ("5-01-02-01", "果树园艺工", "Fruit grower", "54321", ["43"]),
    ("4-03-02-01", "中式烹调师", "Chinese cuisine chef", "54321", ["4310"]),
]
COURSES = [
    ("直播销售员（互联网营销师）五级实训班", "4-01-02-07", 5, "live", 0, "330482", 64),
    ("直播带货选品与话术进阶（四级）", "4-01-02-07", 4, "blended", 2, None, 112),
    ("农产品直播带货入门", "4-01-02-07", 5, "online", 1, None, 60),
    ("电子仪器仪表装配工五级", "6-25-04-01", 5, "offline", 0, "330482", 64),
    ("家政服务员（保洁收纳方向）", "4-10-01-06", 5, "offline", 2, "330106", 60),
    ("家政服务员四级：母婴护理", "4-10-01-06", 4, "blended", 2, "330106", 110),
    ("养老护理员五级（失能照护）", "4-10-01-05", 5, "blended", 1, "430121", 72),
    ("养老护理员四级", "4-10-01-05", 4, "offline", 1, "430121", 120),
    ("育婴员五级", "4-10-01-02", 5, "online", 0, None, 60),
    ("箱包缝纫工速成班", "6-05-05-01", 5, "offline", 0, "330482", 60),
    ("玻璃纤维制品工五级", "6-16-03-03", 5, "offline", 0, "330482", 60),
    ("农产品食品检验员五级", "4-08-05-04", 5, "online", 1, None, 60),
    ("柑橘果树栽培与管理", "5-01-02-01", 5, "blended", 1, "430121", 64),
    ("中式烹调师五级（湘菜）", "4-03-02-01", 5, "offline", 1, "430121", 80),
    ("中式烹调师四级", "4-03-02-01", 4, "offline", 1, "430121", 120),
]
LESSONS = [
    ("直播间搭建与设备调试", "video", 45, "<p>灯光、收音、<strong>手机支架</strong>与网络。</p>"),
    ("商品讲解与卖点提炼", "video", 60, "<p>FAB 法则，三分钟讲清一个产品。</p>"),
    ("广告法与平台规则：哪些话不能说", "document", 30,
     "<p>极限用语、虚假宣传、<em>价格欺诈</em>的红线。</p>"),
    ("实战直播：助农产品专场", "live", 120, "<p>在真实直播间完成一场 30 分钟带货。</p>"),
]


def load(ctx: dict) -> None:
    officer = ctx["users"]["officer"]
    rows = [{"kind": "platform", "name": n, "website": w, "recommended_by": by,
             "recommended_on": on, "description": d} for n, w, by, on, d in PLATFORMS]
    rows += [{"kind": "institution", "name": n, "region_code": r, "licence_number": lic}
             for n, r, lic in INSTITUTIONS]
    rows += [{"kind": "occupation", "code": c, "name_zh": zh, "name_en": en, "levels": lv,
              "shortage_regions": s} for c, zh, en, lv, s in OCCUPATIONS]
    curation.import_rows(officer, rows)
    menu = Path(__file__).with_name("data") / "demo_menu.csv"
    curation.import_file(officer, menu.name, menu.read_bytes())
    platforms = ctx["platforms"] = db.session.scalars(select(Platform).order_by(Platform.id)).all()
    institutions = ctx["institutions"] = db.session.scalars(
        select(Institution).order_by(Institution.id)).all()
    instructor = ctx["users"]["instructor"]
    # The officer assigns the demo instructor to the demo institution (平湖) and to every other
    # provider the demo courses run under: nobody publishes under an organisation by themselves.
    for institution in institutions:
        providers.assign_instructor(officer, "institution", institution.id, instructor.id)
    for platform in platforms:
        providers.assign_instructor(officer, "platform", platform.id, instructor.id)
    instructor.institution_id = institutions[0].id
    courses = ctx["courses"] = []
    for title, code, level, mode, provider, region, hours in COURSES:
        data = {"title": title, "occupation_code": code, "level": level, "mode": mode,
                "required_hours": hours, "region_code": region or "330000", "subsidised": True,
                "description_html": f"<p>{title}：理论与实操结合，结业参加职业技能等级认定。</p>"}
        if region is None:
            data["platform_id"] = platforms[provider].id
        else:
            data["institution_id"] = next(i.id for i in institutions if i.region_code == region)
        course = service.create_course(instructor, data)
        service.publish_course(instructor, course)
        providers.approve(officer, course)  # every demo course issues certificates
        courses.append(course)
    flagship = courses[0]
    # Running when the demo is loaded, whatever the date (its classes are around today).
    today = local_today()
    flagship.starts_on, flagship.ends_on = today - timedelta(days=30), today + timedelta(days=17)
    for position, (title, kind, minutes, html) in enumerate(LESSONS, start=1):
        service.save_lesson(instructor, flagship, {
            "title": title, "kind": kind, "duration_minutes": minutes, "description_html": html,
            "position": position,
            "video_url": None})
    ctx["flagship_course"] = flagship
    trainee = ctx["users"]["trainee"]
    service.enrol(trainee, flagship.id)


def load_large(ctx: dict, courses: int = 10_000) -> None:
    """Bulk courses for benchmarks: plain inserts, no audit rows (this is synthetic data)."""
    rng = random.Random(7)
    occupations = db.session.scalars(select(Occupation)).all()
    platforms, institutions = ctx["platforms"], ctx["institutions"]
    instructor = ctx["users"]["instructor"]
    words = ["实训班", "提升班", "订单班", "夜校", "周末班", "进阶", "速成", "精品课"]
    now = now_utc()
    batch = []
    for n in range(courses):
        occupation = rng.choice(occupations)
        online = rng.random() < 0.5
        course = Course(
            title=f"{occupation.name_zh}{rng.choice(words)}第{n + 1}期",
            occupation_id=occupation.id, level=rng.choice(occupation.level_list),
            mode=rng.choice(["online", "live", "offline", "blended"]),
            platform_id=rng.choice(platforms).id if online else None,
            institution_id=None if online else rng.choice(institutions).id,
            required_hours=rng.choice([60, 64, 72, 110, 120, 150]),
            region_code=rng.choice(["330482", "330106", "430121", "430102", "110105"]),
            subsidised=rng.random() < 0.8, status="published", published_at=now,
            approved_at=now,
            description_html="")
        course.instructor_links.append(CourseInstructor(user_id=instructor.id))
        course.lessons.append(Lesson(title="导学", kind="video", duration_minutes=30, position=1))
        batch.append(course)
        if len(batch) == 1000:
            db.session.add_all(batch)
            db.session.flush()
            batch = []
    db.session.add_all(batch)
    db.session.flush()
