"""Exam load (issue 5): N simulated trainees (default 2,000) each start a 16-question exam,
save 16 answers and submit, against gunicorn (2 workers) with PostgreSQL on this machine.
Per step p50/p95, compared with a bare Flask endpoint's p95 measured by the same client at
the same concurrency in the same run; then the database is checked for lost answers.

Run alone: `.venv/bin/python -m bench.exams_bench` (BENCH_EXAM_TRAINEES, BENCH_EXAM_CLIENTS,
BENCH_EXAM_ARRIVAL=staggered|together, BENCH_EXAM_SAMPLES=file.json for every request's step,
seconds, status and start).
"""

import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
TRAINEES = int(os.environ.get("BENCH_EXAM_TRAINEES", "2000"))
CLIENTS = int(os.environ.get("BENCH_EXAM_CLIENTS", "32"))
FIRST_ERROR: list[str] = []

PREPARE = """
import json, sys
from datetime import timedelta
from app import create_app
from core.auth import issue_token
from core.cli import refresh_planner_statistics
from core.extensions import db
from core.timeutil import now_utc
from accounts.models import User
from attendance import summary_store
from attendance.models import OfflineCheckin, OfflineSession
from courses.models import Enrolment
from exams import banks, service
from tests import factories

app = create_app()
n = int(sys.argv[1])
with app.app_context():
    instructor = factories.make_user("instructor")
    course = factories.make_course(instructor, required_hours=1)
    bank = banks.create_bank(instructor, {"occupation_code": course.occupation.code,
                                          "level": 5, "title": "bench"})
    for k in range(10):
        banks.add_question(instructor, bank, {"type": "single", "text": f"单选{k}",
            "options": [{"text": "对", "correct": True}, {"text": "错"}, {"text": "也错"}]})
        banks.add_question(instructor, bank, {"type": "multiple", "text": f"多选{k}",
            "options": [{"text": "甲", "correct": True}, {"text": "乙", "correct": True},
                        {"text": "丙"}]})
        banks.add_question(instructor, bank, {"type": "true_false", "text": f"判断{k}",
                                              "answers": [True]})
        banks.add_question(instructor, bank, {"type": "fill_in", "text": f"填空{k}",
                                              "answers": ["答案"]})
    now = now_utc()
    # one exam for the flow, one for the burst of starts
    exam, burst = (service.create_exam(instructor, course, {
        "title": title, "bank_id": bank.id, "time_limit_minutes": 120,
        "blueprint": [{"type": t, "count": 4} for t in ("single", "multiple", "true_false",
                                                       "fill_in")],
        "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=1),
        "max_attempts": 1, "pass_theory": 60, "pass_practical": None})
        for title in ("bench", "burst"))
    session = OfflineSession(course_id=course.id, title="bench", code_key="k" * 64,
                             starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1))
    db.session.add(session)
    db.session.flush()
    tokens = []
    for i in range(n):
        user = User(email=f"bench{i}@example.test", name=f"学员{i}", role="trainee",
                    password_hash="!")
        db.session.add(user)
        db.session.flush()
        db.session.add(Enrolment(course_id=course.id, trainee_id=user.id, status="active"))
        db.session.add(OfflineCheckin(session_id=session.id, trainee_id=user.id,
                                      checked_in_at=session.starts_at,
                                      checked_out_at=session.ends_at))
        tokens.append(issue_token(user)[0])
    db.session.commit()
    # The check-ins were inserted directly, past the service that keeps each trainee's stored
    # attendance summary up to date as evidence arrives: store them as that service would.
    summary_store.rebuild([course.id])
    db.session.commit()
    refresh_planner_statistics()  # as autovacuum would before exam day
    print(json.dumps({"exam_id": exam.id, "burst_exam_id": burst.id, "tokens": tokens}))
"""


class Client:
    """One keep-alive HTTP connection; records (step, seconds, status)."""

    def __init__(self, port: int, samples: list):
        self.port, self.samples = port, samples
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.sent = 0
        self.on_sent: threading.Condition | None = None

    def call(self, step: str, method: str, path: str, token: str | None = None, body=None):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            payload, status = b"", 599
        self.samples.append((step, time.perf_counter() - started, status, started))
        self.sent += 1
        if self.on_sent is not None:  # the client the others' staggered start follows
            with self.on_sent:
                self.on_sent.notify_all()
        if status >= 400 and step != "health" and not FIRST_ERROR:
            FIRST_ERROR.append(f"{step} {status} {payload[:300]!r}")
        return status, payload


# Exam day: most trainees know the material. A passing submit also issues the certificate and
# opens the subsidy claim in its request, so the share that passes is part of what is measured.
PASS_SHARE = float(os.environ.get("BENCH_EXAM_PASS_SHARE", "0.8"))
RIGHT = {"single": {"对"}, "multiple": {"甲", "乙"}}


def answer_for(question: dict, knows: bool):
    """Deterministic answers (the check afterwards compares the database with these): right
    ones when the trainee `knows` (options are shuffled, so chosen by text), else the first
    options shown and a wrong blank."""
    kind = question["type"]
    if kind in RIGHT:
        chosen = [o["id"] for o in question["options"] if o["text"] in RIGHT[kind]] if knows \
            else [o["id"] for o in question["options"][:2]]
        return chosen[0] if kind == "single" else sorted(chosen)
    if kind == "true_false":
        return True
    return "答案" if knows else f"答案{question['id']}"


def trainee_flow(client: Client, exam_id: int, job: tuple[int, str], sent: dict,
                 passed: list) -> None:
    index, token = job
    knows = index % 100 < PASS_SHARE * 100
    status, payload = client.call("start", "POST", f"/api/v1/exams/{exam_id}/attempts", token)
    if status != 201:
        return
    paper = json.loads(payload)
    attempt = paper["attempt_id"]
    sent[attempt] = {}
    for question in paper["questions"]:
        answer = answer_for(question, knows)
        status, _ = client.call("save", "PUT", f"/api/v1/attempts/{attempt}/answers/"
                                f"{question['id']}", token, {"answer": answer})
        if status == 200:
            sent[attempt][question["id"]] = answer
    status, payload = client.call("submit", "POST", f"/api/v1/attempts/{attempt}/submit", token)
    if status == 200 and json.loads(payload).get("passed"):
        passed.append(attempt)


# How the clients begin. "together" (the default, as every earlier run): all at once; identical
# clients with no think time then stay in lockstep for the whole run, so a start queues behind
# about 14 other starts and 14 submits (the in-flight mix sampled from a run) and a save behind
# saves. "staggered": client k joins when client 0 has sent k/CLIENTS of a trainee's 18
# requests, so every step queues behind the run's mix; measured on this machine it served
# about a quarter fewer requests/s than lockstep (301 against 410 in back-to-back runs of
# 1,000 trainees), and every step came out near 7x.
ARRIVAL = os.environ.get("BENCH_EXAM_ARRIVAL", "together")
FLOW_REQUESTS = 18


def run_clients(port: int, jobs: list, work, stagger: int = 0) -> tuple[list, float, float]:
    """Runs `work(client, job)` over `jobs` on CLIENTS connections. With `stagger` requests,
    client k starts when client 0 has sent k * stagger / CLIENTS requests. Returns the samples,
    the seconds taken and the moment (perf_counter) the last client began."""
    samples: list = []
    lock = threading.Lock()
    queue = list(jobs)
    sent_by_first = threading.Condition()
    first_client: list = []
    all_in = [time.perf_counter()]

    def worker(k: int):
        client = Client(port, samples)
        if k == 0:
            client.on_sent = sent_by_first
            first_client.append(client)
            with sent_by_first:
                sent_by_first.notify_all()
        elif stagger:
            wait_for = round(k * stagger / CLIENTS)
            with sent_by_first:
                sent_by_first.wait_for(lambda: first_client and (
                    first_client[0].sent >= wait_for or not queue), timeout=120)
            if k == CLIENTS - 1:
                all_in[0] = time.perf_counter()
        while True:
            with lock:
                if not queue:
                    break
                job = queue.pop()
            work(client, job)
        if k == 0:
            with sent_by_first:
                sent_by_first.notify_all()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - started, all_in[0]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] * 1000


def burst(port: int, exam_id: int, tokens: list[str]) -> dict:
    """Every trainee presses "start" at once: all requests are written within about a second
    on their own connections (gunicorn's backlog holds them), then every paper is read."""
    import selectors
    import socket

    selector = selectors.DefaultSelector()
    pending: dict = {}
    started = time.perf_counter()
    for token in tokens:
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        sock.sendall((f"POST /api/v1/exams/{exam_id}/attempts HTTP/1.1\r\nHost: bench\r\n"
                      f"Authorization: Bearer {token}\r\nContent-Length: 0\r\n"
                      "Connection: close\r\n\r\n").encode())
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ)
        pending[sock] = bytearray()
    sent_in = time.perf_counter() - started
    statuses: list[int] = []
    latest = 0.0
    while pending and time.perf_counter() - started < 600:
        for key, _mask in selector.select(timeout=1):
            sock = key.fileobj
            chunk = sock.recv(65536)
            if chunk:
                pending[sock] += chunk
                continue
            data = pending.pop(sock)
            selector.unregister(sock)
            sock.close()
            statuses.append(int(data.split(b" ", 2)[1]) if data[:4] == b"HTTP" else 599)
            latest = time.perf_counter() - started
    for sock in pending:
        sock.close()
    return {"sent_in": sent_in, "all_in": latest, "ok": statuses.count(201),
            "errors": len(tokens) - statuses.count(201)}


def lost_answers(env: dict, sent: dict, exam_id: int) -> tuple[int, int, int]:
    """(answers sent and acknowledged, of those missing or different in the database,
    attempts not completed)."""
    code = (
        "import json, sys\nfrom app import create_app\nfrom core.extensions import db\n"
        "from exams.models import Attempt, AttemptItem\napp = create_app()\n"
        "with app.app_context():\n"
        "    rows = db.session.execute(db.select(AttemptItem.attempt_id, "
        "AttemptItem.question_id, AttemptItem.answer)).all()\n"
        "    open_ = db.session.scalar(db.select(db.func.count(Attempt.id)).where("
        f"Attempt.status != 'completed', Attempt.exam_id == {exam_id}))\n"
        "    print(json.dumps({'rows': [[a, q, v] for a, q, v in rows], 'open': open_}))\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    stored = {(a, q): v for a, q, v in data["rows"]}
    acknowledged = [(a, q, v) for a, answers in sent.items() for q, v in answers.items()]
    lost = sum(1 for a, q, v in acknowledged if stored.get((a, q)) != v)
    return len(acknowledged), lost, data["open"]


ISSUED = (
    "import json\nfrom app import create_app\nfrom core.extensions import db\n"
    "from certificates.models import CertificateFile, IssuanceOutbox\napp = create_app()\n"
    "with app.app_context():\n"
    "    count = lambda *w: db.session.scalar(db.select(db.func.count()).select_from("
    "IssuanceOutbox).where(*w))\n"
    "    print(json.dumps({'issued': count(IssuanceOutbox.state == 'issued'), "
    "'pending': count(IssuanceOutbox.state == 'pending'), 'pdfs': db.session.scalar("
    "db.select(db.func.count(CertificateFile.id)))}))\n")
# The worker's CPU policy: "idle" (SCHED_IDLE: runs only on a core nothing else wants, so a web
# worker waking from a database round trip never waits behind a render) or a nice value.
WORKER_PRIORITY = os.environ.get("BENCH_WORKER_PRIORITY", "idle")
# "throughout" (default: the worker issues and renders while trainees sit the exam) or "after"
# (stopped with SIGSTOP during the flow, resumed for the burst): the worker's share of the
# steps' latency, measured.
WORKER_DURING = os.environ.get("BENCH_EXAM_WORKER", "throughout")


def _lower_priority() -> None:
    if WORKER_PRIORITY == "idle":
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    else:
        os.nice(int(WORKER_PRIORITY))


def outbox_state(env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", ISSUED], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def drop_queue(env: dict) -> None:
    """This run's Redis keys (the queue's jobs and the sets the killed worker left)."""
    from redis import Redis

    redis, name = Redis.from_url(env["REDIS_URL"]), env["CERTIFICATE_QUEUE"]
    for pattern in (f"{name}:*", f"rq:*{name}*"):
        for key in redis.scan_iter(pattern):
            redis.delete(key)


def wait_for_worker(env: dict, timeout: float = 60) -> None:
    """Until the worker has registered with RQ: its start-up (imports, the app) takes CPU the
    bare endpoint's measurement must not share."""
    from redis import Redis

    redis, key = Redis.from_url(env["REDIS_URL"]), f"rq:workers:{env['CERTIFICATE_QUEUE']}"
    deadline = time.monotonic() + timeout
    while not redis.scard(key) and time.monotonic() < deadline:
        time.sleep(0.2)


def start_worker(env: dict) -> subprocess.Popen:
    """One RQ worker beside gunicorn, as a deployment on this machine would run it: below the
    web workers' priority (BENCH_WORKER_PRIORITY), so certificates wait for idle CPU rather
    than exam requests for the worker."""
    return subprocess.Popen([str(VENV_BIN / "flask"), "--app", "app", "worker"], env=env,
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            preexec_fn=_lower_priority)


def run() -> list[str]:
    from sqlalchemy import create_engine, make_url, text

    from bench.production import production_env

    pg = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    name = f"sb_exam_bench_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    instance = tempfile.mkdtemp(prefix="sb-exam-bench-")
    env = {**os.environ, "SKILLBRIDGE_INSTANCE": instance, **production_env(),
           "API_TOKEN_TTL_SECONDS": "86400",
           "DATABASE_URL": make_url(pg).set(database=name).render_as_string(
               hide_password=False)}
    server = worker = None
    try:
        subprocess.run([str(VENV_BIN / "flask"), "--app", "app", "db", "upgrade"], env=env,
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"exams bench: preparing {TRAINEES} trainees ...", flush=True)
        out = subprocess.run([sys.executable, "-c", PREPARE, str(TRAINEES)], env=env, cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout
        setup = json.loads(out.strip().splitlines()[-1])
        from bench.run import free_port

        port = free_port()
        server = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
             "warning", "bench.wsgi:create()"], env=env, cwd=ROOT)
        worker = start_worker(env)
        for _ in range(100):
            try:
                Client(port, []).call("health", "GET", "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        wait_for_worker(env)
        time.sleep(1)
        # The floor: long enough (32 x 150 requests) that a passing hiccup does not move its
        # p95; 32 x 50 right after the worker's start-up gave 19-37 ms from run to run.
        bare_jobs = list(range(CLIENTS * 150))
        run_clients(port, bare_jobs[:CLIENTS * 5], lambda c, _j: c.call("bare", "GET",
                                                                          "/_bench/bare"))
        bare, _, _ = run_clients(port, bare_jobs, lambda c, _j: c.call("bare", "GET",
                                                                       "/_bench/bare"))
        sent: dict = {}
        print(f"exams bench: {TRAINEES} trainees through {CLIENTS} clients ...", flush=True)
        passed: list = []
        if WORKER_DURING == "after":
            worker.send_signal(signal.SIGSTOP)
        all_samples, elapsed, all_in = run_clients(
            port, list(enumerate(setup["tokens"])),
            lambda c, job: trainee_flow(c, setup["exam_id"], job, sent, passed),
            stagger=FLOW_REQUESTS if ARRIVAL == "staggered" else 0)
        # Latency counted once every client is running; errors over the whole run.
        samples = [sample for sample in all_samples if sample[3] >= all_in]
        flow_ended = time.perf_counter()
        if WORKER_DURING == "after":
            worker.send_signal(signal.SIGCONT)
        if os.environ.get("BENCH_EXAM_SAMPLES"):  # (step, seconds, status, started) per request
            Path(os.environ["BENCH_EXAM_SAMPLES"]).write_text(json.dumps(all_samples))
        print(f"exams bench: burst of {TRAINEES} starts ...", flush=True)
        burst_result = burst(port, setup["burst_exam_id"], setup["tokens"])
        print("exams bench: waiting for the worker to issue the certificates ...", flush=True)
        while (state := outbox_state(env))["pending"] and \
                time.perf_counter() - flow_ended < 600:
            time.sleep(1)
        issued_after = time.perf_counter() - flow_ended
    finally:
        if worker is not None:
            # No warm shutdown: it would wait for the PDF drain job to render every PDF.
            worker.kill()
            worker.wait(timeout=30)
            drop_queue(env)
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:  # workers still busy with queued requests
                server.kill()
                server.wait(timeout=10)
    try:
        acknowledged, lost, still_open = lost_answers(env, sent, setup["exam_id"])
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    bare_p95 = percentile([s for _step, s, _st, _t in bare], 95)
    rows = []
    for step in ("start", "save", "submit"):
        times = [s for st, s, _status, _t in samples if st == step]
        errors = sum(1 for st, _s, status, _t in all_samples if st == step and status >= 400)
        server_errors = sum(1 for st, _s, status, _t in all_samples
                            if st == step and status >= 500)
        p95 = percentile(times, 95)
        rows.append(f"| {step} | {len(times)} | {percentile(times, 50):.1f} | {p95:.1f} | "
                    f"{p95 / bare_p95:.2f}× | {errors} ({server_errors} 5xx) |")
    total = len(all_samples)
    priority = "SCHED_IDLE" if WORKER_PRIORITY == "idle" else f"nice {WORKER_PRIORITY}"
    worker_during = ("stopped during the flow and resumed after it (BENCH_EXAM_WORKER=after)"
                     if WORKER_DURING == "after" else "running throughout")
    return [
        "## Exams under load (issue 5)",
        "",
        f"{TRAINEES:,} trainees each start a 16-question exam, save 16 answers one by one and "
        f"submit (18 requests each, {total:,} in all), driven back to back by {CLIENTS} "
        "concurrent keep-alive clients (no think time) against gunicorn (2 sync workers) and "
        "PostgreSQL on the same 2-core machine, with the load generator on it too. "
        f"Took {elapsed:.0f} s ({total / elapsed:.0f} requests/s). Latency in ms; the bare "
        f"JSON endpoint's p95 at the same concurrency, same client, same run: "
        f"{bare_p95:.1f} ms (p50 {percentile([s for _t, s, _x, _w in bare], 50):.1f} ms). "
        + (f" Arrival staggered (BENCH_EXAM_ARRIVAL): client k began when client 0 had sent "
           f"k/{CLIENTS} of a trainee's {FLOW_REQUESTS} requests; latency counts the "
           f"{len(samples):,} requests sent once all {CLIENTS} were running."
           if ARRIVAL == "staggered" else
           " Arrival together (BENCH_EXAM_ARRIVAL): all clients began at once and stay in "
           "lockstep."),
        "",
        "| step | requests | p50 | p95 | p95 / bare p95 | errors |",
        "|---|---|---|---|---|---|",
        *rows,
        f"| burst: {TRAINEES:,} starts written within {burst_result['sent_in']:.1f} s | "
        f"{TRAINEES} | | all papers in {burst_result['all_in']:.1f} s | goal ≤ 20 s "
        f"({'meets' if burst_result['all_in'] <= 20 and not burst_result['errors'] else 'misses'})"
        f" | {burst_result['errors']} |",
        "",
        f"Submits that passed: {len(passed):,} of {TRAINEES:,} (BENCH_EXAM_PASS_SHARE "
        f"{PASS_SHARE:.0%}). Each wrote its result and its certificate outbox row; one RQ worker "
        f"(`flask worker`, {priority}, {worker_during}) issued the certificates and "
        f"opened the claims (CERTIFICATE_ISSUE={env.get('CERTIFICATE_ISSUE', 'worker')}): "
        f"{state['issued']:,} issued, {state['pending']:,} still pending, "
        f"{issued_after:.0f} s after the last submit (the burst ran in between); "
        f"{state['pdfs']:,} PDFs stored by then.",
        "",
        f"Lost answers: {lost} of {acknowledged:,} acknowledged saves differ from the database; "
        f"attempts left open: {still_open}."
        + (f" First error: `{FIRST_ERROR[0]}`" if FIRST_ERROR else ""),
    ]


if __name__ == "__main__":
    print("\n".join(run()))
