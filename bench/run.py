"""`make bench`: catalogue search over 10,000 courses vs a bare Flask JSON endpoint, both served
by the same gunicorn run (2 workers) and loaded by the same tool (wrk); figures go into
bench/RESULTS.md. Other features add `bench/<name>_bench.py` modules with `run() -> list[str]`.
"""

import importlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
DURATION = os.environ.get("BENCH_DURATION", "15s")
CONNECTIONS = os.environ.get("BENCH_CONNECTIONS", "16")
COURSES = int(os.environ.get("BENCH_COURSES", "10000"))
# `make bench QUICK=1`: smaller sizes (set by the Makefile) and without the benches that load
# the large data set (minutes on their own); their last figures stay in RESULTS.md.
QUICK = os.environ.get("BENCH_QUICK") == "1"
SLOW = {"reports"}
SEARCHES = ["/api/v1/menu?q=" + quote("直播"), "/api/v1/menu?q=" + quote("养老护理"),
            "/api/v1/menu?occupation=4-10-01-06&level=5",
            "/api/v1/menu?mode=offline&region=330000&page=3",
            "/api/v1/menu?subsidised=true&q=" + quote("实训班") + "&page=2",
            "/api/v1/menu?region=430121&mode=blended"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(env: dict) -> None:
    """Migrate, load the demo, then 10,000 published courses."""
    flask = [str(VENV_BIN / "flask"), "--app", "app"]
    subprocess.run(flask + ["db", "upgrade"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    subprocess.run(flask + ["demo", "load"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    code = (
        "from app import create_app\n"
        "from core.extensions import db\n"
        "from accounts.models import User\n"
        "from courses import demo\n"
        "from courses.models import Institution, Platform\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        "    ctx = {'users': {'instructor': db.session.scalar(db.select(User).where("
        "User.role == 'instructor'))}, 'platforms': db.session.scalars(db.select(Platform))"
        ".all(), 'institutions': db.session.scalars(db.select(Institution)).all()}\n"
        f"    demo.load_large(ctx, courses={COURSES})\n"
        "    db.session.commit()\n"
        "    from core.cli import refresh_planner_statistics\n"
        "    refresh_planner_statistics()\n")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)


def wrk(base: str, paths: list[str]) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency", "-s",
         str(ROOT / "bench" / "paths.lua"), base],
        env={**os.environ, "PATHS": "|".join(paths)}, capture_output=True, text=True, check=True)
    match = re.search(r"RESULT (.*)", out.stdout)
    return {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}


def serve_and_measure(label: str, env: dict, what: str = "menu search (6 queries)"
                      ) -> list[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level",
         "warning", "bench.wsgi:create()"], env=env, cwd=ROOT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        for path in SEARCHES:  # sanity: every search answers 200 with items
            with urllib.request.urlopen(base + path, timeout=5) as response:
                assert response.status == 200
        wrk(base, ["/_bench/bare"])  # warm-up
        bare = wrk(base, ["/_bench/bare"])
        search = wrk(base, SEARCHES)
    finally:
        server.terminate()
        server.wait(timeout=10)
    ratio = search["p95"] / bare["p95"] if bare["p95"] else float("inf")
    verdict = "meets" if ratio <= 3 else "misses"
    return [
        f"| {label} | bare JSON endpoint | {bare['rps']:.0f} | {bare['p50']:.2f} | "
        f"{bare['p95']:.2f} | {int(bare['n'])} | {int(bare['errors'] + bare['non2xx'])} |",
        f"| {label} | {what} | {search['rps']:.0f} | {search['p50']:.2f} | "
        f"{search['p95']:.2f} | {int(search['n'])} | "
        f"{int(search['errors'] + search['non2xx'])} |",
        f"| {label} | **ratio search/bare** | {search['rps'] / bare['rps']:.2f}× rps | | "
        f"**{ratio:.2f}× p95** ({verdict} the ≤ 3× goal) | | |",
    ]


def catalogue_bench() -> list[str]:
    from bench.production import production_env

    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    rows = []
    targets = [("SQLite", None)]
    pg = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        from sqlalchemy import create_engine, make_url, text

        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        name = f"sb_bench_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        targets.append(("PostgreSQL", make_url(pg).set(database=name)
                        .render_as_string(hide_password=False)))
    except Exception as exc:  # PostgreSQL is optional for the benchmark
        print(f"PostgreSQL skipped: {exc}")
        admin = None
    try:
        for label, url in targets:
            instance = tempfile.mkdtemp(prefix="sb-bench-")
            env = {**os.environ, "SKILLBRIDGE_INSTANCE": instance, **production_env(),
                   "DATABASE_URL": url or f"sqlite:///{instance}/bench.db"}
            print(f"preparing {label}: demo + {COURSES} courses ...", flush=True)
            prepare_database(env)
            print(f"measuring {label} ...", flush=True)
            rows += serve_and_measure(label, env)
            # The same searches with the page cache off: what each one costs the database.
            rows += serve_and_measure(label, {**env, "MENU_CACHE_SECONDS": "0"},
                                      "menu search, page cache off")
            shutil.rmtree(instance, ignore_errors=True)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    header = [
        "## Catalogue search (issue 3)",
        "",
        f"{COURSES:,} published courses; gunicorn 2 workers; wrk 2 threads, {CONNECTIONS} "
        f"connections, {DURATION} per measurement; both endpoints served by the same gunicorn "
        "run. Latency in ms. The page cache (courses/menu_cache.py) is on, as in production; "
        "the rows \"page cache off\" come from a second gunicorn run with "
        "MENU_CACHE_SECONDS=0, each ratio against its own run's bare endpoint.",
        "",
        "| database | endpoint | requests/s | p50 | p95 | requests | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    return header + rows


def merge_sections(old: str, sections: list[list[str]], stamp: str) -> str:
    """Replace the sections measured now (matched by their "## " heading), keep the others."""
    parts = re.split(r"(?m)^(?=## )", old) if old else []
    kept = {p.splitlines()[0]: p.rstrip() + "\n" for p in parts if p.startswith("## ")}
    for lines in sections:
        kept[lines[0]] = "\n".join(lines).rstrip() + f"\n\n_Measured {stamp}._\n"
    header = (f"# Benchmark results\n\nMeasured on this machine ({os.cpu_count()} cores) by "
              "`make bench` (`bench/run.py`); each section says when it was measured.\n\n")
    return header + "\n".join(kept.values())


def main() -> None:
    only = set(sys.argv[1:])  # e.g. `bench/run.py catalogue attendance`
    sections = [catalogue_bench()] if not only or "catalogue" in only else []
    for module_path in sorted((ROOT / "bench").glob("*_bench.py")):
        name = module_path.stem.removesuffix("_bench")
        if only and name not in only:
            continue
        if QUICK and not only and name in SLOW:
            print(f"quick mode: {module_path.stem} skipped (its last figures are kept)")
            continue
        module = importlib.import_module(f"bench.{module_path.stem}")
        print(f"running {module_path.stem} ...", flush=True)
        sections.append(module.run())
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = ROOT / "bench" / "RESULTS.md"
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    results.write_text(merge_sections(old, sections, stamp), encoding="utf-8")
    for lines in sections:
        print("\n".join(lines))


if __name__ == "__main__":
    main()
