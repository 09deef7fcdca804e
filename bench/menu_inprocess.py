"""Menu search in process (issue 15): median CPU time of `courses.service.menu_page` over 15
calls per query, 10,000 published courses, the queries of bench/run.py plus two index edge
cases. CPU time, not wall time: the machine is often loaded by other work. The page cache is off
here: this measures what a search costs when it is not served from memory.

`.venv/bin/python -m bench.menu_inprocess` builds a throw-away SQLite database; set
BENCH_MENU_DB to a database URL to keep (and reuse) one, so that before/after runs read the same
data: it is prepared only when it has no courses yet.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
COURSES = int(os.environ.get("BENCH_COURSES", "10000"))
CALLS = 15
QUERIES = [  # label, filters, page
    ("q=直播", {"q": "直播"}, 1),
    ("q=养老护理", {"q": "养老护理"}, 1),
    ("occupation + level", {"occupation": "4-10-01-06", "level": 5}, 1),
    ("mode + region", {"mode": "offline", "region": "330000"}, 3),
    ("subsidised + q=实训班", {"subsidised": True, "q": "实训班"}, 2),
    ("region + mode", {"region": "430121", "mode": "blended"}, 1),
    ("q=sew", {"q": "sew"}, 1),
    ("q=电", {"q": "电"}, 1),
]


def prepare(env: dict) -> None:
    from bench.run import prepare_database

    prepare_database(env)


def measure() -> list[tuple[str, int, float]]:
    from sqlalchemy import func, select

    from app import create_app
    from core.extensions import db
    from courses.models import Course
    from courses.service import MenuFilters, menu_page

    app = create_app()
    out = []
    with app.app_context():
        assert db.session.scalar(select(func.count(Course.id))) >= COURSES
        for label, filters, page in QUERIES:
            times = []
            for _ in range(CALLS + 1):  # the first call warms the caches and is not counted
                t0 = time.process_time()
                result = menu_page(MenuFilters(**filters), page, 20, "zh")
                times.append(time.process_time() - t0)
                db.session.rollback()
            out.append((label, result["total"], statistics.median(times[1:]) * 1000))
    return out


def main() -> None:
    sys.path.insert(0, str(ROOT))
    url = os.environ.get("BENCH_MENU_DB")
    instance = tempfile.mkdtemp(prefix="sb-bench-menu-")
    url = url or f"sqlite:///{instance}/menu.db"
    # The search itself, not the page cache in front of it (courses/menu_cache.py).
    env = {**os.environ, "DATABASE_URL": url, "SKILLBRIDGE_INSTANCE": instance,
           "PYTHONPATH": str(ROOT), "MENU_CACHE_SECONDS": "0"}
    os.environ.update(env)
    check = ("from app import create_app\nfrom core.extensions import db\n"
             "from sqlalchemy import inspect, text\napp = create_app()\n"
             "with app.app_context():\n"
             "    ok = inspect(db.engine).has_table('courses')\n"
             "    print(db.session.execute(text('SELECT count(*) FROM courses')).scalar() "
             "if ok else 0)\n")
    have = int(subprocess.run([sys.executable, "-c", check], env=env, cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.split()[-1])
    if have < COURSES:
        prepare(env)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}; {url.split(':')[0]}")
    print("| query | hits | median CPU ms |")
    print("|---|---|---|")
    for label, total, ms in measure():
        print(f"| {label} | {total:,} | {ms:.1f} |")


if __name__ == "__main__":
    main()
