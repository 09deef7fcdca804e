"""Exam steps in process (issue 15): CPU and wall time per request of start, save and submit
through the Flask test client on PostgreSQL, with the app and data of bench/exams_bench.py
(production mode, Redis for the render queue), next to the bare JSON endpoint. CPU time is
this process's (the app's Python), not the database's; it is the figure the shared machine
disturbs least. Medians over BENCH_EXAM_TRAINEES (default 60) trainees.

`.venv/bin/python -m bench.exams_inprocess` (BENCH_PROFILE=start|save|submit prints a
pyinstrument profile of that step over all trainees, BENCH_CPROFILE=tottime|cumtime a
cProfile of its CPU time instead; BENCH_COUNT=1 adds Python function calls and driver waits
per request, which do not vary with the machine's load).
"""

import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TRAINEES = int(os.environ.get("BENCH_EXAM_TRAINEES", "60"))


def main() -> None:
    from sqlalchemy import create_engine, event, make_url, text

    from bench.exams_bench import PASS_SHARE, PREPARE, answer_for
    from bench.production import production_env

    pg = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    name = f"sb_exam_inproc_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    env = {**os.environ, "SKILLBRIDGE_INSTANCE": tempfile.mkdtemp(prefix="sb-exam-inproc-"),
           **production_env(), "API_TOKEN_TTL_SECONDS": "86400",
           "DATABASE_URL": make_url(pg).set(database=name).render_as_string(
               hide_password=False)}
    try:
        subprocess.run([str(VENV_BIN / "flask"), "--app", "app", "db", "upgrade"], env=env,
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        out = subprocess.run([sys.executable, "-c", PREPARE, str(TRAINEES)], env=env,
                             cwd=ROOT, check=True, capture_output=True, text=True).stdout
        setup = json.loads(out.strip().splitlines()[-1])
        os.environ.update(env)
        from bench.wsgi import create
        from core.extensions import db

        app = create()
        client = app.test_client()
        samples: dict[str, list[tuple[float, float, int]]] = {}
        statements = [0]
        profile_step = os.environ.get("BENCH_PROFILE")
        profiler = None
        if profile_step:
            if os.environ.get("BENCH_CPROFILE"):
                import cProfile

                profiler = cProfile.Profile(time.process_time)  # CPU, not waits
                profiler.stop = profiler.disable
                profiler.start = profiler.enable
            else:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0002)

        counting = {}  # BENCH_COUNT: a cProfile per step, read for calls and round trips
        if os.environ.get("BENCH_COUNT"):
            import cProfile

            counting = {step: cProfile.Profile() for step in ("bare", "start", "save", "submit")}
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *_a: statements.__setitem__(0, statements[0] + 1))

        def call(step, method, path, token=None, body=None):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            before = statements[0]
            if profiler is not None and step == profile_step:
                profiler.start()
            if counting:
                counting[step].enable()
            w0, c0 = time.perf_counter(), time.process_time()
            response = client.open(path, method=method, headers=headers, json=body)
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            if counting:
                counting[step].disable()
            if profiler is not None and step == profile_step:
                profiler.stop()
            assert response.status_code < 400, (step, response.status_code, response.data)
            samples.setdefault(step, []).append((cpu, wall, statements[0] - before))
            return response

        for _ in range(200):
            call("bare", "GET", "/_bench/bare")
        passes = 0
        for index, token in enumerate(setup["tokens"]):
            knows = index % 100 < PASS_SHARE * 100  # as in the load bench
            paper = call("start", "POST", f"/api/v1/exams/{setup['exam_id']}/attempts",
                         token).get_json()
            for question in paper["questions"]:
                call("save", "PUT", f"/api/v1/attempts/{paper['attempt_id']}/answers/"
                     f"{question['id']}", token, {"answer": answer_for(question, knows)})
            result = call("submit", "POST", f"/api/v1/attempts/{paper['attempt_id']}/submit",
                          token).get_json()
            passes += bool(result["passed"])
        print(f"{TRAINEES} trainees ({passes} passed), PostgreSQL, medians (first 3 of each "
              "step not counted)")
        print("| step | CPU ms | wall ms | statements |")
        print("|---|---|---|---|")
        for step in ("bare", "start", "save", "submit"):
            rows = samples[step][3:]
            print(f"| {step} | {statistics.median(r[0] for r in rows) * 1000:.2f} | "
                  f"{statistics.median(r[1] for r in rows) * 1000:.2f} | "
                  f"{statistics.median(r[2] for r in rows):.0f} |")
        if counting:
            import pstats

            print("\nDeterministic, per request (means): Python function calls, and the "
                  "driver's waits for the server (round trips; an executemany in a pipeline "
                  "counts one per statement)")
            print("| step | Python calls | driver waits |")
            print("|---|---|---|")
            for step, prof in counting.items():
                stats = pstats.Stats(prof)
                waits = sum(v[1] for (f, _l, name), v in stats.stats.items()
                            if name in ("wait", "wait_c") or "wait_c" in name)
                n = len(samples[step])
                print(f"| {step} | {stats.total_calls / n:.0f} | {waits / n:.1f} |")
        if profiler is not None and hasattr(profiler, "output_text"):
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        elif profiler is not None:
            import pstats

            stats = pstats.Stats(profiler).strip_dirs()
            stats.sort_stats(os.environ["BENCH_CPROFILE"]).print_stats(45)
        with app.app_context():
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
