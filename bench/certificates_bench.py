"""Certificate benchmarks (issue 6), run by `make bench` (`run() -> list[str]`) or alone:
`.venv/bin/python bench/certificates_bench.py`.

1. Render time of a full certificate against WeasyPrint rendering a one-line page in the same
   CJK font, same process, same run (goal ≤ 3×).
2. Memory (RSS) over many renders in one process (goal: < 50 MB growth after the first ten).
3. Bulk issue: certificates issued through the exam_passed signal by two worker processes
   (goal: 1,000 in under 60 s).
4. Public verification requests/s against a bare Flask endpoint in the same gunicorn run
   (goal ≥ 0.5×).
Sizes: BENCH_CERT_RENDERS (1000), BENCH_CERT_BULK (1000), BENCH_DURATION (10s).
"""

import multiprocessing
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
RENDERS = int(os.environ.get("BENCH_CERT_RENDERS", "1000"))
BULK = int(os.environ.get("BENCH_CERT_BULK", "1000"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "8")


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def make_app(url: str, instance: str):
    os.environ["SKILLBRIDGE_INSTANCE"] = instance
    os.environ["DATABASE_URL"] = url
    from app import create_app

    return create_app({"RATELIMIT_ENABLED": False, "SECRET_KEY": "bench"})


def prepare(url: str, instance: str, trainees: int) -> tuple[int, list[int]]:
    """Migrated database with one course and `trainees` trainees (cheap password hashes)."""
    from flask_migrate import upgrade

    from accounts import idcard
    from accounts.models import TraineeProfile, User
    from certificates import fonts
    from core.extensions import db
    from courses.models import Course, CourseInstructor, Institution, Occupation

    app = make_app(url, instance)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        teacher = User(email="t@bench.cn", name="陈老师", role="instructor", password_hash="x")
        occupation = Occupation(code="4-01-02-07", name_zh="互联网营销师",
                                name_en="Internet marketing specialist", levels="54321")
        institution = Institution(name="平湖市职业技能培训中心", region_code="330482",
                                  licence_number="LIC1")
        db.session.add_all([teacher, occupation, institution])
        db.session.flush()
        course = Course(title="直播销售员（互联网营销师）五级实训班", occupation_id=occupation.id,
                        level=5, mode="live", required_hours=64, region_code="330482",
                        institution_id=institution.id, status="published")
        course.instructor_links.append(CourseInstructor(user_id=teacher.id))
        db.session.add(course)
        ids = []
        for n in range(trainees):
            user = User(email=f"b{n}@bench.cn", name=f"李春{n}", role="trainee",
                        password_hash="x")
            number = idcard.make_valid(f"330482199001{1 + n % 28:02d}{n % 1000:03d}")
            user.profile = TraineeProfile(id_number=f"{number[:6]}{n:06d}{number[12:]}"[:18]
                                          if False else _unique_id(n),
                                          birth_date=idcard.birth_date(number),
                                          region_code="330482")
            db.session.add(user)
            db.session.flush()
            ids.append(user.id)
        db.session.commit()
        course_id = course.id
        db.engine.dispose()
        # Extracted once per instance folder (seconds): a deployed server has it; untimed here.
        fonts.face_file(app)
    return course_id, ids


def _unique_id(n: int) -> str:
    from accounts import idcard

    return idcard.make_valid(f"3304821990{1 + n // 28 % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
                             if n < 1000 else f"33048219{60 + n // 10000:02d}0101{n % 1000:03d}")


def render_bench(url: str, instance: str) -> list[str]:
    from weasyprint import HTML

    from bench.reportlab_reference import reportlab_reference
    from certificates import documents, fonts, pdf
    from certificates.models import Certificate
    from core import signals
    from core.extensions import db

    course_id, trainees = prepare(url, instance, 1)
    app = make_app(url, instance)
    with app.app_context():
        signals.exam_passed.send(app, trainee_id=trainees[0], course_id=course_id, exam_id=1,
                                 attempt_id=1, actor=None)
        db.session.commit()
        cert = db.session.scalar(db.select(Certificate))
        values, blob = documents.pdf_values(cert), documents.signed_blob(cert)
        # The same face, font configuration and @font-face as the certificate's.
        parsed = pdf.styles(app)
        one_line = (f'<style>html{{font-family:"{fonts.FAMILY}","{fonts.FULL_FAMILY}"}}'
                    '@page{size:A4 landscape}'
                    '</style><p>李春花 职业技能等级证书</p>')

        def baseline():
            HTML(string=one_line, url_fetcher=pdf.url_fetcher(app)).write_pdf(
                stylesheets=[parsed["font"]], font_config=parsed["font_config"])

        def full():
            pdf.render_pdf(values, blob, app)

        reference = reportlab_reference(values, documents.verify_url(cert), blob)
        if reference is not None:
            reference()

        for _ in range(3):
            baseline()
            full()
        times = {"baseline": [], "full": []}
        for _ in range(20):
            for name, func in (("baseline", baseline), ("full", full)):
                start = time.perf_counter()
                func()
                times[name].append((time.perf_counter() - start) * 1000)
        base_ms, full_ms = (statistics.median(times[k]) for k in ("baseline", "full"))
        ref_ms = None
        if reference is not None:  # measured in turn with the others: same load, same run
            ref_times = []
            for _ in range(20):
                start = time.perf_counter()
                reference()
                ref_times.append((time.perf_counter() - start) * 1000)
                full()
            ref_ms = statistics.median(ref_times)
        for _ in range(10):
            full()
        after_ten = rss_mb()
        start = time.perf_counter()
        for _ in range(RENDERS - 10):
            full()
        elapsed = time.perf_counter() - start
        after_all = rss_mb()
        db.engine.dispose()
    ratio = full_ms / base_ms
    growth = after_all - after_ten
    return [
        "| measurement | value | goal |",
        "|---|---|---|",
        f"| one-line CJK page (same font, median of 20) | {base_ms:.1f} ms | |",
        f"| full certificate (QR, attachment; median of 20) | {full_ms:.1f} ms | |",
        f"| **ratio certificate / one-line page** | **{ratio:.2f}×** | ≤ 3× "
        f"({'meets' if ratio <= 3 else 'misses'}) |",
        *([f"| ReportLab reference, same content (TrueType WenQuanYi Micro Hei, vector QR; "
             f"median of 20) | {ref_ms:.1f} ms | |",
             f"| **ratio certificate / ReportLab** | **{full_ms / ref_ms:.2f}×** | ≤ 2× "
             f"({'meets' if full_ms / ref_ms <= 2 else 'misses'}) |"]
          if ref_ms else ["| ReportLab reference | not measured (`pip install -e '.[bench]'`, "
                          "fonts-wqy-microhei) | |"]),
        f"| RSS after 10 renders → after {RENDERS} | {after_ten:.0f} MB → {after_all:.0f} MB "
        f"(**{growth:+.1f} MB**) | < 50 MB ({'meets' if growth < 50 else 'misses'}) |",
        f"| renders/s per worker (one process, over {RENDERS - 10} renders) | "
        f"{(RENDERS - 10) / elapsed:.1f} | |",
    ]


def _issue_worker(args) -> int:
    url, instance, course_id, trainee_ids, offset, queue = args
    from core import signals
    from core.extensions import db

    os.environ["CERTIFICATE_QUEUE"] = queue
    app = make_app(url, instance)
    app.config["CERTIFICATE_QUEUE"] = queue
    with app.app_context():
        for n, trainee_id in enumerate(trainee_ids):
            signals.exam_passed.send(app, trainee_id=trainee_id, course_id=course_id,
                                     exam_id=2, attempt_id=100000 + offset + n, actor=None)
            db.session.commit()
        db.engine.dispose()
    return len(trainee_ids)


def _redis_url() -> str | None:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        from redis import Redis

        Redis.from_url(url).ping()
        return url
    except Exception:  # noqa: BLE001 - Redis is optional here
        return None


def _count_files(url: str, instance: str) -> int:
    from certificates.models import CertificateFile
    from core.extensions import db

    app = make_app(url, instance)
    with app.app_context():
        count = db.session.scalar(db.select(db.func.count(CertificateFile.id)))
        db.engine.dispose()
    return count


def bulk_bench(url: str, instance: str, label: str) -> list[str]:
    """Issue BULK certificates from two processes; with Redis, two `flask worker` processes
    render the PDFs from the queue (as in production), else issuing renders. The workers start
    after issuing (`--burst`, BENCH_CERT_WORKERS=after, the default) or run while it goes on
    (BENCH_CERT_WORKERS=during: stopped once every PDF is stored)."""
    course_id, trainees = prepare(url, instance, BULK)
    redis_url = _redis_url()
    during = redis_url and os.environ.get("BENCH_CERT_WORKERS") == "during"
    queue = f"sb-bench-{secrets.token_hex(4)}"
    env = {**os.environ, "SKILLBRIDGE_INSTANCE": instance, "DATABASE_URL": url,
           "REDIS_URL": redis_url or "", "CERTIFICATE_QUEUE": queue}

    def start_workers(*args: str) -> list[subprocess.Popen]:
        return [subprocess.Popen([str(VENV_BIN / "flask"), "--app", "app", "worker", *args],
                                 env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL) for _ in range(2)]

    if redis_url:
        os.environ.update(REDIS_URL=redis_url)
    workers = start_workers() if during else []
    halves = [trainees[0::2], trainees[1::2]]
    ctx = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ctx.Pool(2) as pool:
        done = sum(pool.map(_issue_worker, [(url, instance, course_id, half, i * BULK, queue)
                                            for i, half in enumerate(halves)]))
    issued = time.perf_counter() - start
    if during:
        while _count_files(url, instance) < done and time.perf_counter() - start < 600:
            time.sleep(0.2)
        for worker in workers:
            worker.terminate()
            worker.wait()
    elif redis_url:
        for worker in start_workers("--burst"):
            worker.wait()
    os.environ.pop("REDIS_URL", None)
    elapsed = time.perf_counter() - start
    files = _count_files(url, instance)
    scaled = elapsed * 1000 / max(done, 1)
    mode = ("2 RQ workers running while issuing" if during else
            "then 2 RQ workers render" if redis_url else "PDF rendered while issuing")
    per_worker = (f"; {files / (elapsed - issued) / 2:.1f} renders/s per worker"
                  if redis_url and not during else "")
    return [f"| bulk issue ({label}), 2 issuing processes, {mode} | {done} issued in "
            f"{issued:.1f} s, {files} PDFs stored after {elapsed:.1f} s ({done / elapsed:.1f}/s;"
            f" ≈ {scaled:.0f} s per 1,000{per_worker}) | 1,000 in < 60 s "
            f"({'meets' if scaled < 60 else 'misses'}) |"]


WSGI = '''
from flask import jsonify
from app import create_app
def wsgi():
    app = create_app({"RATELIMIT_ENABLED": False})
    @app.get("/_bench/bare")
    def bare():
        return jsonify({"items": [], "total": 0, "page": 1, "per_page": 20})
    return app
'''


def wrk(base: str, path: str) -> dict:
    lua = ROOT / "bench" / "paths.lua"
    args = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency"]
    if lua.exists():
        out = subprocess.run(args + ["-s", str(lua), base], capture_output=True, text=True,
                             check=True, env={**os.environ, "PATHS": path}).stdout
        match = re.search(r"RESULT (.*)", out)
        return {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    out = subprocess.run(args + [base + path], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return {"rps": rps, "p50": float("nan"), "p95": float("nan")}


def verify_bench(url: str, instance: str) -> list[str]:
    if not shutil.which("wrk"):
        return ["| verification vs bare | skipped: wrk not installed | |"]
    course_id, trainees = prepare(url, instance, 1)
    app = make_app(url, instance)
    from certificates.models import Certificate
    from core import signals
    from core.extensions import db

    with app.app_context():
        signals.exam_passed.send(app, trainee_id=trainees[0], course_id=course_id, exam_id=3,
                                 attempt_id=3, actor=None)
        db.session.commit()
        serial = db.session.scalar(db.select(Certificate.serial))
        db.engine.dispose()
    module_dir = tempfile.mkdtemp(prefix="sb-bench-wsgi-")
    Path(module_dir, "cert_bench_wsgi.py").write_text(WSGI)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "SKILLBRIDGE_INSTANCE": instance, "DATABASE_URL": url,
           "PYTHONPATH": f"{ROOT}:{module_dir}"}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning", "cert_bench_wsgi:wsgi()"],
                              env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    path = f"/api/v1/certificates/{serial}/verify"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        with urllib.request.urlopen(base + path, timeout=5) as response:
            assert response.status == 200
        wrk(base, "/_bench/bare")
        bare = wrk(base, "/_bench/bare")
        verify = wrk(base, path)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(module_dir, ignore_errors=True)
    ratio = verify["rps"] / bare["rps"]
    return [
        f"| bare Flask JSON endpoint (gunicorn 2 workers, wrk {CONNECTIONS} conn) | "
        f"{bare['rps']:.0f} req/s (p95 {bare['p95']:.1f} ms) | |",
        f"| public verification by serial (signature checked each time) | "
        f"{verify['rps']:.0f} req/s (p95 {verify['p95']:.1f} ms) | |",
        f"| **ratio verification / bare** | **{ratio:.2f}×** | ≥ 0.5× "
        f"({'meets' if ratio >= 0.5 else 'misses'}) |",
    ]


def _pg_database():
    pg = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        from sqlalchemy import create_engine, make_url, text

        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        name = f"sb_cbench_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def drop():
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

        return make_url(pg).set(database=name).render_as_string(hide_password=False), drop
    except Exception as exc:  # noqa: BLE001 - PostgreSQL is optional here
        print(f"PostgreSQL skipped: {exc}")
        return None, None


def _in_subprocess(func_name: str, label: str) -> list[str]:
    """Each part in a fresh interpreter (one app per process, clean memory figures)."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, "
            f"{str(ROOT / 'bench')!r})\n"
            "import certificates_bench as b, tempfile, json\n"
            f"url, drop = (b._pg_database() if {label!r} == 'PostgreSQL' else (None, None))\n"
            "inst = tempfile.mkdtemp(prefix='sb-cbench-')\n"
            "url = url or 'sqlite:///' + inst + '/bench.db'\n"
            "try:\n"
            f"    rows = b.{func_name}(url, inst" + (f", {label!r})" if func_name == "bulk_bench"
                                                  else ")") + "\n"
            "finally:\n"
            "    drop and drop()\n"
            "print('ROWS' + json.dumps(rows))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, env={k: v for k, v in os.environ.items()
                                        if k not in ("DATABASE_URL", "REDIS_URL")})
    if out.returncode != 0:
        return [f"| {func_name} ({label}) | failed: {out.stderr.strip().splitlines()[-1]} | |"]
    import json

    return json.loads(out.stdout.split("ROWS", 1)[1])


def run() -> list[str]:
    lines = ["## Certificates (issue 6)", "",
             f"2 cores shared with other work; sizes: {RENDERS} renders, {BULK} bulk issues, "
             f"wrk {DURATION}.", ""]
    lines += _in_subprocess("render_bench", "SQLite")
    lines += [""] + ["| measurement | value | goal |", "|---|---|---|"]
    lines += _in_subprocess("bulk_bench", "PostgreSQL")
    lines += _in_subprocess("verify_bench", "PostgreSQL")
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
