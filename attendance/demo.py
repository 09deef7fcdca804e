"""Demo attendance on the flagship live-selling course: offline classes with check-ins,
watched lessons, past live sessions whose attendance arrives as a signed webhook batch,
an upcoming live session; 李春花 eligible for the exam, 王军 partly attended."""

import json
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert, select, text

from attendance import (
    accounts,
    demo_media,
    ingest,
    live,
    media,
    offline,
    summary_store,
    webhook_keys,
)
from attendance.cli import simulated_events
from attendance.models import LessonProgress, LiveEvent, LiveSession, PlatformAccount
from core.extensions import db
from core.timeutil import LOCAL_TZ, now_utc
from courses import service as courses

OFFLINE_CLASSES = [  # (title, days ago, start hour, hours) — Beijing time
    ("开班仪式与直播电商行业概况", 20, 9, 6),
    ("直播间搭建：灯光、收音与设备", 18, 9, 6),
    ("选品与供应链：平湖农产品专题", 16, 9, 6),
    ("直播话术与 FAB 卖点提炼", 13, 9, 6),
    ("短视频引流与直播预告", 11, 9, 6),
    ("数据复盘：流量、转化与客单价", 9, 9, 6),
    ("模拟直播间分组实操", 6, 9, 6),
]
PAST_LIVE = [  # (title, kind, days ago, start hour, hours)
    ("直播实操一：助农西瓜专场", "selling_practice", 15, 19, 3),
    ("名师直播课：平台规则与合规红线", "lecture", 12, 19, 3),
    ("直播实操二：箱包专场", "selling_practice", 8, 19, 3),
    ("直播实操三：夜间带货冲刺", "selling_practice", 4, 19, 3),
]


def _beijing(days_ago: int, hour: int, base: date | None = None) -> datetime:
    day = (base or now_utc().astimezone(LOCAL_TZ).date()) - timedelta(days=days_ago)
    return datetime.combine(day, time(hour), LOCAL_TZ).astimezone(UTC)


def _lesson_media(course, instructor) -> None:
    """A short playable video lesson (not yet watched) and the handout for the document lesson,
    both made on this machine."""
    clip = demo_media.video()
    if clip is not None:
        lesson = courses.save_lesson(instructor, course, {
            "title": "演示短片：三点布光与收音测试", "kind": "video",
            "duration_minutes": demo_media.VIDEO_SECONDS // 60, "video_url": None,
            "description_html": "<p>跟着画面检查灯光与声音，完整看完计入学时。</p>"})
        db.session.flush()
        with open(clip, "rb") as stream:
            media.save_upload(instructor, lesson, stream, clip.name)
    document = next((lesson for lesson in course.lessons if lesson.kind == "document"), None)
    if document is not None:
        pdf = demo_media.handout()
        with open(pdf, "rb") as stream:
            media.save_upload(instructor, document, stream, "广告法与平台规则.pdf")


# Viewer ids of the trainees who attended everything (李春花, 赵丽, 刘洋) and of 王军.
FULL_REFS = ("zbds_lichunhua", "zbds_zhaoli", "zbds_liuyang")
PARTIAL_REF = "zbds_wangjun"


def load(ctx: dict) -> None:
    course = ctx["flagship_course"]
    instructor, officer = ctx["users"]["instructor"], ctx["users"]["officer"]
    star, partial = ctx["users"]["trainee"], ctx["trainees"][1]
    # 赵丽 attended enough to sit the exam (and has not yet); 刘洋 sat it (exams demo).
    full = [star] + [t for t in ctx["trainees"][2:4]]
    for trainee in full[1:] + [partial]:
        courses.enrol(trainee, course.id)
    platform = next((p for p in ctx["platforms"] if "直播" in p.name), ctx["platforms"][-1])
    secret = webhook_keys.rotate(officer, platform.id)  # never printed
    # The demo links were proven by their codes in the room, so their minutes count.
    for trainee, ref in [*zip(full, FULL_REFS, strict=False), (partial, PARTIAL_REF)]:
        account, _created = accounts.link_account(trainee, platform.id, ref)
        accounts.mark_verified(account, "staff", instructor)

    made_offline = []
    for n, (title, days_ago, hour, hours) in enumerate(OFFLINE_CLASSES):
        start = _beijing(days_ago, hour)
        session = offline.schedule(instructor, course, {
            "title": title, "location": "平湖市职业技能培训中心 实训楼 302",
            "starts_at": start, "ends_at": start + timedelta(hours=hours)})
        made_offline.append(session)
        attendees = full + ([partial] if n < 2 else [])
        for trainee in attendees:
            for direction, at in (("in", start - timedelta(minutes=5)),
                                  ("out", start + timedelta(hours=hours, minutes=3))):
                offline.check(trainee, session, offline.code_at(session, at), direction,
                              "demo", now=at)

    for lesson in course.lessons:  # 李春花 and co. watched every video; 王军 the first, half
        if lesson.kind != "video":
            continue
        for trainee in full:
            db.session.add(LessonProgress(lesson_id=lesson.id, trainee_id=trainee.id,
                                          watched_seconds=lesson.duration_minutes * 60,
                                          last_position=lesson.duration_minutes * 60,
                                          completed_at=now_utc() - timedelta(days=3)))
    first_video = next(lesson for lesson in course.lessons if lesson.kind == "video")
    db.session.add(LessonProgress(lesson_id=first_video.id, trainee_id=partial.id,
                                  watched_seconds=first_video.duration_minutes * 30,
                                  last_position=first_video.duration_minutes * 30))

    _lesson_media(course, instructor)

    made_live = []
    for n, (title, kind, days_ago, hour, hours) in enumerate(PAST_LIVE):
        start = _beijing(days_ago, hour)
        made_live.append(live.schedule_session(instructor, course, {
            "title": title, "kind": kind, "starts_at": start,
            "ends_at": start + timedelta(hours=hours), "platform_id": platform.id,
            "room": f"pinghu-live-{n + 1:03d}",
            "stream_url": f"https://live-commerce.example.cn/replay/pinghu-{n + 1:03d}"}))
    db.session.flush()
    _send_signed_batches(platform.id, secret, made_live, len(full))
    for session in made_live:
        live.close_session(session, officer)

    start = _beijing(-1, 19)
    upcoming = live.schedule_session(instructor, course, {
        "title": "直播实操四：双十二预热专场", "kind": "selling_practice", "starts_at": start,
        "ends_at": start + timedelta(hours=2), "platform_id": platform.id,
        "room": "pinghu-live-005", "stream_url": "https://live-commerce.example.cn/room/pinghu-005"})
    start = _beijing(-2, 9)
    made_offline.append(offline.schedule(instructor, course, {
        "title": "结业考核前集中辅导", "location": "平湖市职业技能培训中心 实训楼 302",
        "starts_at": start, "ends_at": start + timedelta(hours=4)}))
    # Running now, so that check-in and the live page work the moment the demo is loaded.
    hour = now_utc().replace(minute=0, second=0, microsecond=0)
    running_offline = offline.schedule(instructor, course, {
        "title": "今日实训：直播间分组演练", "location": "平湖市职业技能培训中心 实训楼 302",
        "starts_at": hour - timedelta(hours=1), "ends_at": hour + timedelta(hours=5)})
    made_offline.append(running_offline)
    running_live = live.schedule_session(instructor, course, {
        "title": "直播实操（进行中）：年货节预热专场", "kind": "selling_practice",
        "starts_at": hour, "ends_at": hour + timedelta(hours=3), "platform_id": platform.id,
        "room": "pinghu-live-006", "stream_url": "https://live-commerce.example.cn/room/pinghu-006"})
    ctx["running_offline_session"], ctx["running_live_session"] = running_offline, running_live
    ctx["live_sessions"] = made_live + [upcoming, running_live]
    ctx["upcoming_live_session"] = upcoming
    ctx["offline_sessions"] = made_offline
    ctx["live_platform"] = platform
    # The lesson progress above was inserted directly: store the summaries from the evidence.
    summary_store.rebuild([course.id])


def _send_signed_batches(platform_id: int, secret: str, sessions: list[LiveSession],
                         full: int) -> None:
    """Attendance as the platform reports it: one signed batch per session through the real
    webhook path."""
    rng = random.Random(42)
    stayed = FULL_REFS[:full]
    for n, session in enumerate(sessions):
        refs = [*stayed] + ([PARTIAL_REF] if n == 0 else []) + \
            [f"guest_{n}_{k}" for k in range(3)]
        events = simulated_events(session, refs, rng, prefix="demo", heartbeat_every=300)
        # These stayed to the end of every class (the simulator makes some viewers leave early).
        events = [e for e in events if not (e["user_ref"] in stayed and e["type"] == "leave")]
        events += [{"id": f"demo-{session.id}-{ref}-leave", "type": "leave",
                    "room": session.room, "user_ref": ref,
                    "at": (session.ends_at - timedelta(minutes=2)).isoformat()}
                   for ref in stayed]
        body = json.dumps({"events": events[:1000]}).encode()
        ingest.ingest(str(platform_id), webhook_keys.sign(secret, body), body)


def load_large(ctx: dict, events: int = 1_000_000, sessions: int = 200,
               viewers: int = 5000) -> None:
    """A million live events for report benchmarks: `viewers` synthetic trainees (users with
    an unusable password), `sessions` two-hour live sessions over the last 200 days, joins,
    heartbeats and leaves. Bulk inserts, no audit rows (synthetic data)."""
    from accounts.models import TraineeProfile, User

    rng = random.Random(11)
    course_ids = [c.id for c in ctx.get("courses", [])][:20] or [ctx["flagship_course"].id]
    trainee_ids = ctx.get("large_trainees")
    if not trainee_ids:
        first = (db.session.scalar(select(db.func.max(User.id))) or 0) + 1
        db.session.execute(insert(User), [
            {"id": first + n, "email": f"bulk{n}@load.skillbridge.test", "name": f"学员{n:05d}",
             "role": "trainee", "password_hash": "!", "active": True, "auth_version": 1,
             "created_at": now_utc()} for n in range(viewers)])
        db.session.execute(insert(TraineeProfile), [
            {"user_id": first + n, "id_number": f"B{n:017d}", "birth_date": date(1990, 1, 1),
             "region_code": rng.choice(["330482", "330106", "430121", "430102"])}
            for n in range(viewers)])
        trainee_ids = ctx["large_trainees"] = list(range(first, first + viewers))
        if db.engine.dialect.name == "postgresql":  # explicit ids: move the sequence past them
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('users', 'id'), "
                                    "(SELECT max(id) FROM users))"))
    base = now_utc().replace(minute=0, second=0, microsecond=0)
    rows = []
    for n in range(sessions):
        start = base - timedelta(days=rng.randint(1, 200), hours=rng.randint(0, 12))
        rows.append({"course_id": rng.choice(course_ids), "title": f"批量直播 {n + 1}",
                     "kind": "lecture", "starts_at": start, "ends_at": start + timedelta(hours=2),
                     "created_at": base})
    db.session.execute(insert(LiveSession), rows)
    session_rows = db.session.execute(select(LiveSession.id, LiveSession.starts_at)
                                      .order_by(LiveSession.id.desc()).limit(sessions)).all()
    per_session = events // sessions
    batch: list[dict] = []
    for session_id, starts_at in session_rows:
        audience = rng.sample(trainee_ids, min(len(trainee_ids), max(-(-per_session // 24), 1)))
        made = 0
        for trainee_id in audience:
            at = starts_at + timedelta(seconds=rng.randint(0, 900))
            kinds = ["join"] + ["heartbeat"] * 22 + ["leave"]
            for kind in kinds:
                if made >= per_session:
                    break
                batch.append({"source": "browser", "type": kind, "at": at, "received_at": at,
                              "session_id": session_id, "trainee_id": trainee_id})
                at += timedelta(seconds=rng.randint(240, 300))
                made += 1
        if len(batch) >= 50_000:
            db.session.execute(insert(LiveEvent.__table__), batch)
            batch = []
    if batch:
        db.session.execute(insert(LiveEvent.__table__), batch)
    db.session.add_all(PlatformAccount(platform_id=ctx["platforms"][0].id, trainee_id=t,
                                       user_ref=f"bulk-{t}", status="verified",
                                       verified_how="staff", verified_at=now_utc())
                       for t in trainee_ids[:100])
