"""Report query timings on SQLite and PostgreSQL with `flask demo load --large` data
(100,000 trainees, a million live attendance events). Goal: every report under 1 s.

`run() -> list[str]` returns markdown lines for bench/RESULTS.md (bench/run.py calls it);
`python bench/reports_bench.py` prints them. BENCH_REPORTS_PG (default
postgresql+psycopg://postgres@127.0.0.1:5432/postgres) is the server to make a scratch
database on; set it to "" to skip PostgreSQL.
"""

import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
PG = os.environ.get("BENCH_REPORTS_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REPEAT = 3


def _load(env: dict) -> float:
    flask = [str(VENV_BIN / "flask"), "--app", "app"]
    subprocess.run(flask + ["db", "upgrade"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run(flask + ["demo", "load", "--large"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _queries():
    from core.timeutil import local_today
    from reports import figures, service
    from reports.figures import ReportFilter
    from reports.sources import Period

    year = local_today().year
    whole = ReportFilter(Period.of(year))
    city = ReportFilter(Period.of(year), region="330400")
    quarter = ReportFilter(Period.of(year, quarter=3), key_group="rural_migrant")

    def follow_up():
        from core.api import paginate

        return paginate(service.follow_up_query(None, "30"), 1, 25)

    return [
        ("summary, whole year, all regions", lambda: figures.summary(whole, year)),
        ("summary, one city (330400)", lambda: figures.summary(city, year)),
        ("summary, Q3, one key group", lambda: figures.summary(quarter, year)),
        *((f"breakdown by {dim}", lambda dim=dim: figures.breakdown(whole, dim))
          for dim in ("occupation", "region", "key_group", "institution", "platform")),
        ("per-course table (top 50, with attendance spread)",
         lambda: figures.course_table(whole, 50)),
        ("per-course table (all courses, CSV export)",
         lambda: figures.course_table(whole, None)),
        ("monthly progress", lambda: figures.monthly(whole)),
        ("employment rate by month", lambda: figures.employment_by_month(whole)),
        ("follow-up list (30 days), first page", follow_up),
    ]


def _time(url: str, instance: str) -> tuple[dict, dict]:
    os.environ["SKILLBRIDGE_INSTANCE"] = instance
    from app import create_app
    from core.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    timings, sizes = {}, {}
    with app.test_request_context("/"):
        for table in ("users", "enrolments", "certificates", "employment_records",
                      "live_events"):
            sizes[table] = db.session.scalar(db.text(f"SELECT count(*) FROM {table}"))
        for name, query in _queries():
            runs = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                query()
                runs.append(time.perf_counter() - started)
                db.session.rollback()
            timings[name] = statistics.median(runs)
        db.session.remove()
        db.engine.dispose()
    return timings, sizes


def _backend(label: str, url: str, results: dict) -> None:
    instance = tempfile.mkdtemp(prefix="bench-reports-")
    env = {**os.environ, "DATABASE_URL": url, "SKILLBRIDGE_INSTANCE": instance}
    load = _load(env)
    timings, sizes = _time(url, instance)
    results[label] = {"load": load, "timings": timings, "sizes": sizes}


def run() -> list[str]:
    from sqlalchemy import create_engine, make_url, text

    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        _backend("SQLite", f"sqlite:///{tmp}/reports.db", results)
    if PG:
        base = make_url(PG)
        name = f"sb_bench_reports_{secrets.token_hex(4)}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            _backend("PostgreSQL", base.set(database=name).render_as_string(
                hide_password=False), results)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    labels = list(results)
    first = results[labels[0]]
    lines = ["## Reports (issue 8): report queries on the large data set", "",
             "Data from `flask demo load --large`: " + ", ".join(
                 f"{n:,} {t.replace('_', ' ')}" for t, n in first["sizes"].items()) + ".",
             "Load time: " + "; ".join(f"{k} {v['load']:.0f} s" for k, v in results.items())
             + ". Median of 3 runs, in-process (no HTTP). Goal: each under 1 s.", "",
             "| report query | " + " | ".join(f"{k} (ms)" for k in labels) + " |",
             "|---|" + "---:|" * len(labels)]
    for name in first["timings"]:
        cells = " | ".join(f"{results[k]['timings'][name] * 1000:.0f}" for k in labels)
        lines.append(f"| {name} | {cells} |")
    slowest = {k: max(v["timings"].values()) for k, v in results.items()}
    lines += ["", "Slowest: " + "; ".join(f"{k} {s * 1000:.0f} ms" for k, s in slowest.items())
              + (" (all under 1 s)." if all(s < 1 for s in slowest.values())
                 else " (over the 1 s goal)."), ""]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
