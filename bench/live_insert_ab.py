"""A/B of PostgreSQL's two webhook insert paths (attendance/ingest.py PG_INGEST) in one process,
alternating batch by batch so both see the same load: 1,000-event batches inserted and
committed, then the same batch replayed (all duplicates). Wall time per batch, median.
The HTTP benchmark (bench/attendance_bench.py) is dominated by everything else a request does
and by the machine's load; this isolates the statement.

`BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/mydb .venv/bin/python -m
bench.live_insert_ab` (a throw-away database is created beside it and dropped).
"""

import os
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BATCHES = int(os.environ.get("BENCH_BATCHES", "40"))
MODES = ("unnest", "copy")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, make_url, text

    base = os.environ["BENCH_PG_URL"]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    name = f"sb_bench_ab_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(make_url(base).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run(url: str) -> None:
    from app import create_app
    from attendance import ingest
    from core.extensions import db
    from courses.models import Platform

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        db.create_all()
        platform = Platform(name="A/B")
        db.session.add(platform)
        db.session.commit()
        start = datetime.now(UTC) - timedelta(hours=1)
        times: dict[str, dict[str, list[float]]] = {m: {"new": [], "replay": []} for m in MODES}
        for n in range(BATCHES):
            for mode in MODES if n % 2 else reversed(MODES):
                ingest.PG_INGEST = mode
                rows = [{"platform_id": platform.id, "event_ref": f"{mode}-{n}-{i}",
                         "source": "webhook", "type": "heartbeat", "room": "bench-room",
                         "user_ref": f"viewer-{i}", "device": None, "connection": None,
                         "user_name": None, "at": start + timedelta(seconds=i),
                         "received_at": start, "session_id": None, "trainee_id": None}
                        for i in range(1000)]
                for kind in ("new", "replay"):
                    t0 = time.perf_counter()
                    got = ingest._insert_ignoring_duplicates(rows)
                    db.session.commit()
                    times[mode][kind].append(time.perf_counter() - t0)
                    assert len(got) == (1000 if kind == "new" else 0), (mode, kind, len(got))
        load = os.getloadavg()
        print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {BATCHES} batches "
              "of 1,000 per path")
        print("| path | new batch (ms, median) | events/s | replayed batch (ms, median) |")
        print("|---|---|---|---|")
        for mode in MODES:
            new = statistics.median(times[mode]["new"])
            replay = statistics.median(times[mode]["replay"])
            print(f"| {mode} | {new * 1000:.1f} | {1000 / new:,.0f} | {replay * 1000:.1f} |")


if __name__ == "__main__":
    main()
