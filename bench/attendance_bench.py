"""Attendance benchmarks (issue 4), run by `make bench` (bench/run.py) or alone:
`.venv/bin/python -m bench.attendance_bench`.

1. Webhook ingest under gunicorn (2 workers): signed batches of 1,000 events, beside a bare
   endpoint in the same server that verifies and parses the same bodies without storing them
   (the ratio is what storage costs). Every stored event is counted back: none lost, none
   double-counted, and a replayed batch is all duplicates.
2. Per adapter: Zoom and Tencent Meeting webhooks as those vendors send them (one
   participant event per request), with their own signatures, against their endpoints.
3. The attendance computation for one session with 5,000 viewers and 100,000 events.
SQLite (unless BENCH_SQLITE=0), and PostgreSQL when it is reachable (BENCH_PG_URL), once per
ingest path in BENCH_PG_INGEST (comma-separated, e.g. "unnest,copy"; default: the app's own),
each on a fresh database in the same run.
"""

import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
VIEWERS = int(os.environ.get("BENCH_VIEWERS", "5000"))
EVENTS_PER_VIEWER = 20  # join, 18 heartbeats, leave -> 100,000 events
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
# Vendor adapters post one participant event per request: fewer events, same viewers.
ADAPTER_VIEWERS = int(os.environ.get("BENCH_ADAPTER_VIEWERS", "1000"))
TENCENT_ROOM = "445999969"


def create():
    """The gunicorn app: the real factory plus the bare baseline endpoint."""
    from flask import current_app, jsonify, request

    from app import create_app
    from attendance import ingest, webhook_keys
    from core.extensions import csrf
    from core.timeutil import now_utc

    app = create_app()
    app.config["RATELIMIT_ENABLED"] = False
    ingest.PG_INGEST = os.environ.get("BENCH_PG_INGEST_MODE") or ingest.PG_INGEST

    @app.post("/_bench/webhook-bare")
    def webhook_bare():
        body = request.get_data(cache=False)
        webhook_keys.verify(int(request.headers[webhook_keys.PLATFORM_HEADER]),
                            request.headers.get(webhook_keys.SIGNATURE_HEADER, ""), body,
                            current_app.config["ATTENDANCE_WEBHOOK_TOLERANCE_SECONDS"])
        events = ingest.parse_events(json.loads(body), 1000, now_utc())
        return jsonify({"accepted": 0, "duplicates": 0, "unmatched": [], "parsed": len(events)})

    csrf.exempt(webhook_bare)
    return app


def prepare_inside() -> None:
    """Run inside the benchmark environment: demo data, one live session with VIEWERS
    linked trainees, a webhook secret; prints what the load generator needs as JSON."""
    from datetime import date, timedelta

    from sqlalchemy import func, insert, select

    from accounts.models import TraineeProfile, User
    from app import create_app
    from attendance import webhook_keys
    from attendance.models import LiveSession, PlatformAccount
    from core.extensions import db
    from core.timeutil import now_utc
    from courses.models import Course, Enrolment, Platform

    app = create_app()
    with app.app_context():
        platform = db.session.scalar(select(Platform).order_by(Platform.id))
        course = db.session.scalar(select(Course).order_by(Course.id))
        first = (db.session.scalar(select(func.max(User.id))) or 0) + 1
        ids = list(range(first, first + VIEWERS))
        now = now_utc()
        db.session.execute(insert(User), [
            {"id": i, "email": f"v{i}@bench.test", "name": f"观众{i}", "role": "trainee",
             "password_hash": "!", "active": True, "auth_version": 1, "created_at": now}
            for i in ids])
        db.session.execute(insert(TraineeProfile), [
            {"user_id": i, "id_number": f"B{i:017d}", "birth_date": date(1990, 1, 1),
             "region_code": "330482"} for i in ids])
        db.session.execute(insert(Enrolment), [
            {"course_id": course.id, "trainee_id": i, "status": "active", "created_at": now}
            for i in ids])
        start = now.replace(microsecond=0) - timedelta(minutes=100)
        vendors = {}
        for n, (adapter, room) in enumerate((("skillbridge", "bench-room"),
                                             ("zoom", "85346571234"),
                                             ("tencent_meeting", TENCENT_ROOM))):
            target = platform if n == 0 else Platform(name=f"压测平台 {adapter}")
            db.session.add(target)
            db.session.flush()
            linked = ids if n == 0 else ids[:ADAPTER_VIEWERS]
            db.session.execute(insert(PlatformAccount), [  # proven links: minutes count
                {"platform_id": target.id, "trainee_id": i, "user_ref": f"viewer-{i}",
                 "status": "verified", "verified_how": "staff", "verified_at": now,
                 "created_at": now} for i in linked])
            session = LiveSession(course_id=course.id, title=f"压测直播 {adapter}",
                                  kind="selling_practice", platform_id=target.id, room=room,
                                  starts_at=start, ends_at=start + timedelta(hours=2))
            db.session.add(session)
            db.session.flush()
            vendors[adapter] = {"platform_id": target.id, "session_id": session.id,
                                "room": room, "secret": webhook_keys.rotate(
                                    None, target.id, adapter)}
        db.session.commit()
        print(json.dumps({**vendors["skillbridge"], "starts_at": start.timestamp(),
                          "viewers": ids, "vendors": vendors}))


def compute_inside(session_id: int) -> None:
    """Time the attendance computation for the session (and closing it: rows per trainee)."""
    from app import create_app
    from attendance import live
    from attendance.models import LiveSession
    from attendance.service import live_results
    from core.extensions import db

    app = create_app()
    with app.app_context():
        session = db.session.get(LiveSession, session_id)
        t0 = time.perf_counter()
        results = live_results([session])
        compute = time.perf_counter() - t0
        t0 = time.perf_counter()
        live.close_session(session)
        db.session.commit()
        close = time.perf_counter() - t0
        over = sum(1 for r in results.values()
                   if r["seconds"] > (session.ends_at - session.starts_at).total_seconds())
        print(json.dumps({"viewers": len(results), "compute_s": compute, "close_s": close,
                          "over_window": over,
                          "total_minutes": sum(r["seconds"] for r in results.values()) // 60}))


def _bodies(info: dict) -> list[bytes]:
    import random

    rng = random.Random(3)
    start = info["starts_at"]
    events = []
    for viewer in info["viewers"]:
        t = start + rng.uniform(0, 300)
        kinds = ["join"] + ["heartbeat"] * (EVENTS_PER_VIEWER - 2) + ["leave"]
        for n, kind in enumerate(kinds):
            events.append((t, {"id": f"v{viewer}-{n}", "type": kind, "room": "bench-room",
                               "user_ref": f"viewer-{viewer}"}))
            t += 60 + rng.uniform(-2, 2)
    events.sort(key=lambda e: e[0])
    from datetime import UTC, datetime

    out = []
    for i in range(0, len(events), 1000):
        chunk = [dict(e, at=datetime.fromtimestamp(t, UTC).isoformat())
                 for t, e in events[i:i + 1000]]
        out.append(json.dumps({"events": chunk}).encode())
    return out


def _vendor_bodies(info: dict, adapter: str) -> list[bytes]:
    """One join and one leave per viewer, shaped like the vendor's documented examples."""
    import base64
    import random
    from datetime import UTC, datetime

    rng = random.Random(5)
    room, start = info["vendors"][adapter]["room"], info["starts_at"]
    out = []
    for viewer in info["viewers"][:ADAPTER_VIEWERS]:
        joined = start + rng.uniform(0, 300)
        for kind, at in (("joined", joined), ("left", joined + rng.uniform(600, 3600))):
            stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if adapter == "zoom":
                key = "join_time" if kind == "joined" else "leave_time"
                out.append(json.dumps({
                    "event": f"meeting.participant_{kind}", "event_ts": int(at * 1000),
                    "payload": {"account_id": "AAAAAABBBB", "object": {
                        "id": room, "uuid": "4444AAAiAAAAAiAiAiiAii==", "host_id": "x1yCz",
                        "topic": "压测", "type": 2, "duration": 120, "participant": {
                            "user_id": str(16778240 + viewer), "user_name": f"观众{viewer}",
                            "participant_user_id": f"viewer-{viewer}", key: stamp,
                            "email": f"v{viewer}@bench.test"}}}}).encode())
            else:
                message = {"event": f"meeting.participant-{kind}",
                           "trace_id": f"bench-{viewer}-{kind}", "payload": [{
                               "operate_time": int(at * 1000),
                               "operator": {"userid": f"viewer-{viewer}",
                                            "ms_open_id": f"ms-{viewer}", "instance_id": "2",
                                            "user_name": f"观众{viewer}"},
                               "meeting_info": {"meeting_id": "13339451618278424869",
                                                "meeting_code": room, "subject": "压测"}}]}
                data = base64.b64encode(json.dumps(message).encode()).decode()
                out.append(json.dumps({"data": data}).encode())
    return out


def _headers(adapter: str, secret: str, platform_id: int, body: bytes) -> dict:
    import hashlib
    import hmac

    from attendance.webhook_keys import sign

    headers = {"Content-Type": "application/json"}
    now = str(int(time.time()))
    if adapter == "zoom":
        mac = hmac.new(secret.encode(), f"v0:{now}:".encode() + body, hashlib.sha256)
        return headers | {"x-zm-request-timestamp": now, "x-zm-signature": "v0=" + mac.hexdigest()}
    if adapter == "tencent_meeting":
        data = json.loads(body)["data"]
        signed = hashlib.sha1("".join(sorted([secret, now, "8317", data])).encode())
        return headers | {"timestamp": now, "nonce": "8317", "signature": signed.hexdigest()}
    return headers | {"X-SkillBridge-Signature": sign(secret, body),
                      "X-SkillBridge-Platform": str(platform_id)}


def _send(port: int, path: str, bodies: list[bytes], info: dict,
          adapter: str = "skillbridge") -> dict:
    sys.path.insert(0, str(ROOT))
    target = info["vendors"][adapter]

    queue = list(enumerate(bodies))
    lock = threading.Lock()
    latencies, results, errors = [], [], []

    def worker():
        conn = HTTPConnection("127.0.0.1", port, timeout=60)
        while True:
            with lock:
                if not queue:
                    break
                _i, body = queue.pop(0)
            headers = _headers(adapter, target["secret"], target["platform_id"], body)
            t0 = time.perf_counter()
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            latencies.append(time.perf_counter() - t0)
            if response.status != 200:
                errors.append((response.status, data[:200]))
            elif adapter != "tencent_meeting":  # Tencent is answered in plain text
                results.append(json.loads(data))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - t0
    events = sum(body.count(b'"type"') for body in bodies) if adapter == "skillbridge" \
        else len(bodies)
    latencies.sort()
    return {"events_per_s": events / elapsed, "elapsed": elapsed, "events": events,
            "p50": statistics.median(latencies) * 1000,
            "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000, "errors": errors,
            "accepted": sum(r["accepted"] for r in results),
            "duplicates": sum(r["duplicates"] for r in results),
            "unmatched": sum(len(r["unmatched"]) for r in results)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _count_back(env: dict, session_id: int) -> dict:
    code = ("from app import create_app\nfrom core.extensions import db\n"
            "from sqlalchemy import text\napp = create_app()\nwith app.app_context():\n"
            "    row = db.session.execute(text('SELECT count(*), count(DISTINCT event_ref) "
            f"FROM live_events WHERE session_id = {int(session_id)}')).one()\n"
            "    print(row[0], row[1])\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.split()
    return {"rows": int(out[0]), "distinct": int(out[1])}


def measure(label: str, env: dict) -> list[str]:
    flask = [str(VENV_BIN / "flask"), "--app", "app"]
    subprocess.run(flask + ["db", "upgrade"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Production settings need a signing key for the demo's certificates: make one, as an
    # operator would, so the bench runs from a clean clone with nothing set by hand.
    subprocess.run(flask + ["certificates", "keygen"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(flask + ["demo", "load"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    out = subprocess.run([sys.executable, "-c", "from bench.attendance_bench import "
                          "prepare_inside; prepare_inside()"], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    info = json.loads(out.strip().splitlines()[-1])
    bodies = _bodies(info)
    port = _free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", "bench.attendance_bench:create()"], env=env, cwd=ROOT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        _send(port, "/_bench/webhook-bare", bodies[:5], info)  # warm-up
        bare = _send(port, "/_bench/webhook-bare", bodies, info)
        real = _send(port, "/api/v1/live/events", bodies, info)
        replay = _send(port, "/api/v1/live/events", bodies[:10], info)
        vendor = {}
        for adapter, path in (("zoom", "/api/v1/live/zoom/{}"),
                              ("tencent_meeting", "/api/v1/live/tencent-meeting/{}")):
            url = path.format(info["vendors"][adapter]["platform_id"])
            vendor[adapter] = _send(port, url, _vendor_bodies(info, adapter), info, adapter)
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)  # a loaded machine finishes its requests slowly
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    counted = _count_back(env, info["session_id"])
    vendor_rows = []
    for adapter, got in vendor.items():
        stored = _count_back(env, info["vendors"][adapter]["session_id"])
        fine = not got["errors"] and stored["rows"] == got["events"] == stored["distinct"]
        vendor_rows.append(
            f"| {label} | {adapter} webhook (1 event per request) | {got['events_per_s']:,.0f} | "
            f"{got['p50']:.1f} | {got['p95']:.1f} | {got['events']:,} | {len(got['errors'])} "
            f"({stored['rows']:,} stored, {'OK' if fine else 'FAILED'}) |")
    out = subprocess.run([sys.executable, "-c", "from bench.attendance_bench import "
                          f"compute_inside; compute_inside({info['session_id']})"], env=env,
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    compute = json.loads(out.strip().splitlines()[-1])
    lost = real["events"] - counted["rows"]
    ok = (not real["errors"] and lost == 0 and counted["rows"] == counted["distinct"]
          and replay["accepted"] == 0 and replay["duplicates"] == replay["events"])
    return [
        f"| {label} | bare: verify + parse, no storage | {bare['events_per_s']:,.0f} | "
        f"{bare['p50']:.0f} | {bare['p95']:.0f} | {bare['events']:,} | {len(bare['errors'])} |",
        f"| {label} | **webhook ingest (stored)** | **{real['events_per_s']:,.0f}** | "
        f"{real['p50']:.0f} | {real['p95']:.0f} | {real['events']:,} | {len(real['errors'])} |",
        f"| {label} | ratio stored/bare | {real['events_per_s'] / bare['events_per_s']:.2f}× | "
        f"{real['p50'] / bare['p50']:.2f}× | {real['p95'] / bare['p95']:.2f}× | | |",
        f"| {label} | count-back | stored {counted['rows']:,} rows, {counted['distinct']:,} "
        f"distinct ids, lost {lost}, accepted {real['accepted']:,}, unmatched "
        f"{real['unmatched']}; replay of 10 batches: {replay['accepted']} accepted, "
        f"{replay['duplicates']:,} duplicates — {'OK' if ok else 'FAILED'} | | | | |",
        f"| {label} | computation, 1 session, {compute['viewers']:,} viewers, "
        f"{counted['rows']:,} events | {compute['compute_s'] * 1000:.0f} ms (close + store "
        f"{compute['viewers']:,} rows: {compute['close_s'] * 1000:.0f} ms); credited > window: "
        f"{compute['over_window']} | | | | |",
        *vendor_rows,
    ]


def run() -> list[str]:
    from attendance import ingest
    from bench.production import production_env

    rows = []
    targets = [("SQLite", None, "")] if os.environ.get("BENCH_SQLITE", "1") != "0" else []
    pg = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    modes = [m.strip() for m in os.environ.get("BENCH_PG_INGEST", ingest.PG_INGEST).split(",")]
    admin, names = None, []
    try:
        from sqlalchemy import create_engine, make_url, text

        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        token = secrets.token_hex(4)
        for n, mode in enumerate(modes):
            name = f"sb_bench_att_{token}_{n}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            names.append(name)
            targets.append((f"PostgreSQL ({mode})", make_url(pg).set(database=name)
                            .render_as_string(hide_password=False), mode))
    except Exception as exc:  # PostgreSQL is optional
        print(f"PostgreSQL skipped: {exc}")
    try:
        for label, url, mode in targets:
            instance = tempfile.mkdtemp(prefix="sb-bench-att-")
            env = {**os.environ, "SKILLBRIDGE_INSTANCE": instance, **production_env(),
                   "DATABASE_URL": url or f"sqlite:///{instance}/bench.db",
                   "PYTHONPATH": str(ROOT), "BENCH_PG_INGEST_MODE": mode}
            print(f"attendance: measuring {label} ...", flush=True)
            measured = measure(label, env)
            print("\n".join(measured), flush=True)  # kept even if a later target fails
            rows += measured
            shutil.rmtree(instance, ignore_errors=True)
    finally:
        if admin is not None:
            from sqlalchemy import text

            with admin.connect() as conn:
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return [
        "## Attendance: webhook ingest and computation (issue 4)",
        "",
        f"{VIEWERS:,} viewers linked to one live session, {VIEWERS * EVENTS_PER_VIEWER:,} "
        "events (join, 18 heartbeats, leave each) in signed batches of 1,000; gunicorn 2 "
        f"workers; {CLIENTS} client threads with keep-alive; both endpoints served by the same "
        "gunicorn run. Goals: ≥ 20,000 events/s stored, 0 lost or double-counted, "
        "computation < 1 s. Latency per 1,000-event batch in ms. Zoom and Tencent Meeting: "
        f"{ADAPTER_VIEWERS:,} viewers joining and leaving, one event per request as those "
        "vendors post them (latency per request in ms).",
        "",
        "| database | endpoint | events/s | p50 | p95 | events | errors |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]


if __name__ == "__main__":
    print("\n".join(run()))
