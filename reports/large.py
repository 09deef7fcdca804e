"""`flask demo load --large`: 100,000 trainees with enrolments, certificates, jobs, and a
million live-stream attendance events, for the report benchmarks.

Synthetic data: inserted in chunks with Core `insert()` (executemany), no ORM objects per row
and no audit rows. Ids are assigned here so that related rows can be built without reading
them back; PostgreSQL sequences are moved past them at the end.
"""

import random
from datetime import UTC, date, datetime, timedelta

import click
from sqlalchemy import func, insert, select, text

from accounts import idcard
from accounts.models import KEY_GROUPS, KeyGroupDeclaration, TraineeProfile, User
from certificates.models import Certificate
from core.extensions import db
from core.timeutil import local_today, now_utc
from courses.models import Course, Enrolment
from reports import service
from reports.models import EmploymentRecord
from reports.sources import installed

CHUNK = 5000
REGIONS = ["330482", "330106", "430121", "430102", "110105", "330483", "330481"]
EMPLOYERS = ["平湖箱包有限公司", "嘉兴服装厂", "长沙县康乐养老院", "杭州优选电商", "湘味餐饮集团",
             "浙江仪表科技", "家和家政服务公司"]


def _say(message: str) -> None:
    click.echo(f"    reports: {message}")


def _next_id(table) -> int:
    return (db.session.scalar(select(func.max(table.c.id))) or 0) + 1


def _bulk(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[start:start + CHUNK])


def fix_sequences(tables) -> None:
    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"))


def _at(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, rng.randint(0, 12), rng.randint(0, 59),
                    tzinfo=UTC)


def load(ctx: dict, trainees: int = 100_000, events: int = 1_000_000, seed: int = 8,
         targets: bool = True, signed: bool = False) -> None:
    """`signed`: certificates go through the certificates service (signed, status index,
    stored credential; PDFs render on first download), as in `flask demo load`; otherwise
    (benchmarks, 100,000 trainees) they are bulk rows without signatures."""
    rng = random.Random(seed)
    today = local_today()
    year_start = date(today.year, 1, 1)
    span = (today - year_start).days or 1
    courses = db.session.execute(select(
        Course.id, Course.region_code, Course.occupation_id, Course.level,
        Course.required_hours, Course.certificate_type, Course.mode, Course.platform_id)
        .where(Course.status == "published")).all()
    password_hash = User(email="x", name="x", role="trainee")
    password_hash.set_password("skillbridge-demo")  # accounts.demo.DEMO_PASSWORD
    users, profiles, groups = [], [], []
    first_id = _next_id(User.__table__)
    group_names = list(KEY_GROUPS)
    for n in range(trainees):
        uid = first_id + n
        region = rng.choice(REGIONS)
        # Unique per user id (birth day and sequence digits), so repeated loads never clash.
        born = date(1970, 1, 1) + timedelta(days=uid // 900)
        number = idcard.make_valid(f"{region}{born:%Y%m%d}{uid % 900 + 100:03d}")
        users.append({"id": uid, "email": f"t{uid}@large.skillbridge.cn", "name": f"学员{uid}",
                      "role": "trainee", "password_hash": password_hash.password_hash,
                      "phone": f"147{uid:08d}"[-11:], "active": True, "auth_version": 1,
                      "created_at": _at(year_start, rng)})
        profiles.append({"user_id": uid, "id_number": number, "birth_date": born,
                         "region_code": region})
        if rng.random() < 0.3:
            groups.append({"user_id": uid, "group": rng.choice(group_names),
                           "status": "confirmed" if rng.random() < 0.7 else "declared",
                           "created_at": _at(year_start, rng)})
    _bulk(User.__table__, users)
    _bulk(TraineeProfile.__table__, profiles)
    _bulk(KeyGroupDeclaration.__table__, groups)
    _say(f"{trainees} trainees")

    enrolments, certificates, jobs = [], [], []
    enrolment_id = _next_id(Enrolment.__table__)
    cert_id = _next_id(Certificate.__table__)
    job_id = _next_id(EmploymentRecord.__table__)
    pairs: list[tuple[int, int, int, datetime]] = []   # (course index, trainee, enrolment day)
    held: set[tuple] = set()  # one live certificate per person, occupation, level and type
    for user in users:
        picks = rng.sample(range(len(courses)), 1 if rng.random() < 0.6 else 2)
        certified_course = None
        for index in picks:
            course = courses[index]
            day = year_start + timedelta(days=rng.randrange(span))
            enrolled = _at(day, rng)
            enrolments.append({"id": enrolment_id, "course_id": course.id,
                               "trainee_id": user["id"],
                               "status": "withdrawn" if rng.random() < 0.05 else "active",
                               "created_at": enrolled})
            enrolment_id += 1
            pairs.append((index, user["id"], enrolled))
            issued = enrolled + timedelta(days=rng.randint(30, 90))
            key = (user["id"], course.occupation_id, course.level, course.certificate_type)
            if rng.random() < 0.45 and issued.date() < today and key not in held:
                held.add(key)
                # Sequence from the row id (above the hand-made demo serials): never reused.
                first17 = f"{issued.year}{course.region_code}{course.level}" \
                          f"{(500_000 + cert_id) % 10**6:06d}"
                certificates.append({
                    "id": cert_id, "serial": f"SB{first17}{idcard.check_character(first17)}",
                    "trainee_id": user["id"], "course_id": course.id,
                    "occupation_id": course.occupation_id, "level": course.level,
                    "certificate_type": course.certificate_type, "status": "valid",
                    "issued_at": issued, "training_hours": course.required_hours,
                    "holder_name": user["name"], "created_at": issued})
                cert_id += 1
                certified_course = (course, issued)
        if certified_course and rng.random() < 0.6:
            course, issued = certified_course
            started = issued.date() + timedelta(days=rng.randint(5, 60))
            if started <= today:
                jobs.append({"id": job_id, "trainee_id": user["id"], "course_id": course.id,
                             "employer": rng.choice(EMPLOYERS), "started_on": started,
                             "occupation_id": course.occupation_id,
                             "monthly_wage_fen": rng.randint(30, 90) * 10000,
                             "contract_months": rng.choice([None, 12, 24, 36]),
                             "status": "confirmed" if rng.random() < 0.8 else "reported",
                             "created_at": _at(started, rng)})
                job_id += 1
    _bulk(Enrolment.__table__, enrolments)
    if signed:
        from certificates import service as certificate_service

        for row in certificates:
            certificate_service.issue_for_attempt(
                trainee_id=row["trainee_id"], course_id=row["course_id"], exam_id=None,
                attempt_id=None, render=False, issued_at=row["issued_at"])
    else:
        _bulk(Certificate.__table__, certificates)
    _bulk(EmploymentRecord.__table__, jobs)
    _say(f"{len(enrolments)} enrolments, {len(certificates)} certificates, "
               f"{len(jobs)} jobs")
    if installed("attendance"):
        # The attendance feature's load_large (it runs first) may have made the million
        # events already; then add only closed sessions with stored results for these
        # trainees (what the reports read), with their events.
        from attendance.models import LiveEvent

        existing = db.session.scalar(select(func.count(LiveEvent.id))) or 0
        _live_events(pairs, courses, max(events - existing, events // 5), rng)
    fix_sequences([User.__table__, Enrolment.__table__, Certificate.__table__,
                    EmploymentRecord.__table__])
    if not targets:
        return
    officer = ctx["users"]["officer"]
    for region in REGIONS:
        service.set_target(officer, today.year, region, {
            "trained": 25_000, "passed": 18_000, "certified": 16_000, "subsidised": 12_000,
            "employed": 12_000})


def _live_events(pairs, courses, events: int, rng: random.Random) -> None:
    """Live sessions for the courses enrolled in, join/heartbeat/leave events for their
    trainees, and each closed session's per-trainee result."""
    from attendance.models import LiveAttendance, LiveEvent, LiveSession

    per_pair = 10          # join, 8 heartbeats, leave
    wanted_pairs = events // per_pair
    rng.shuffle(pairs)
    pairs = pairs[:wanted_pairs]
    session_of: dict[int, dict] = {}
    sessions = []
    session_id = _next_id(LiveSession.__table__)
    platform_ids = [c.platform_id for c in courses if c.platform_id] or [None]
    for index, _trainee, enrolled in pairs:
        course = courses[index]
        if course.id not in session_of:
            latest = now_utc().replace(minute=0, second=0, microsecond=0)
            start = min(enrolled.replace(minute=0) + timedelta(days=7),
                        latest - timedelta(days=1))
            row = {"id": session_id, "course_id": course.id, "title": "直播课",
                   "kind": "lecture", "platform_id": course.platform_id or platform_ids[0],
                   "room": f"room-{session_id}", "starts_at": start,
                   "ends_at": start + timedelta(hours=2),
                   "closed_at": start + timedelta(hours=3), "created_at": start}
            session_of[course.id] = row
            sessions.append(row)
            session_id += 1
    _bulk(LiveSession.__table__, sessions)
    event_rows, results = [], []
    event_id = first_event = _next_id(LiveEvent.__table__)
    result_id = _next_id(LiveAttendance.__table__)
    done = set()
    for index, trainee, _enrolled in pairs:
        session = session_of[courses[index].id]
        if (session["id"], trainee) in done:
            continue
        done.add((session["id"], trainee))
        joined = session["starts_at"] + timedelta(minutes=rng.randint(0, 30))
        stayed = rng.randint(10, 120 - (joined - session["starts_at"]).seconds // 60)
        step = stayed * 60 / (per_pair - 1)
        for k in range(per_pair):
            kind = "join" if k == 0 else "leave" if k == per_pair - 1 else "heartbeat"
            at = joined + timedelta(seconds=int(step * k))
            event_rows.append({"id": event_id, "platform_id": session["platform_id"],
                               "event_ref": f"lg-{event_id}", "source": "webhook",
                               "type": kind, "room": session["room"],
                               "user_ref": f"u{trainee}", "at": at, "received_at": at,
                               "session_id": session["id"], "trainee_id": trainee})
            event_id += 1
        results.append({"id": result_id, "session_id": session["id"], "trainee_id": trainee,
                        "seconds": stayed * 60, "status": "present" if stayed >= 96
                        else "partial", "first_seen": joined,
                        "last_seen": joined + timedelta(minutes=stayed), "flags": [],
                        "computed_at": session["closed_at"]})
        result_id += 1
        if len(event_rows) >= 50_000:
            _bulk(LiveEvent.__table__, event_rows)
            event_rows = []
    _bulk(LiveEvent.__table__, event_rows)
    _bulk(LiveAttendance.__table__, results)
    fix_sequences([LiveSession.__table__, LiveEvent.__table__, LiveAttendance.__table__])
    _say(f"{len(sessions)} live sessions, {event_id - first_event} live events, "
               f"{len(results)} live results")
