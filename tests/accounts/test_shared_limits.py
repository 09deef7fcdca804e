"""Failed-login limits hold in total across worker processes: four gunicorn workers sharing
Redis let exactly 10 wrong passwords through for one account, not 10 per worker."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis_up() -> bool:
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        return bool(Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except RedisError:
        return False


def _post(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("shared-limits")
    if not _redis_up():
        pytest.skip(f"no Redis at {REDIS_URL} (.ci/run starts one)")
    prefix = "sbtest-" + secrets.token_hex(4)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SKILLBRIDGE_INSTANCE=str(tmp_path), SKILLBRIDGE_ENV="development",
               DATABASE_URL=f"sqlite:///{tmp_path}/limits.db", REDIS_URL=REDIS_URL,
               TEST_LIMIT_PREFIX=prefix, SECRET_KEY="shared-limits-test")
    subprocess.run([str(BIN / "flask"), "--app", "app", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=300)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    access = tmp_path / "access.log"
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "--access-logfile",
         str(access), "--access-logformat", "%(p)s %(s)s", "tests.accounts.limits_wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.3)
    try:
        yield base, access
    finally:
        server.terminate()
        server.wait(timeout=30)
        from redis import Redis

        redis = Redis.from_url(REDIS_URL)
        keys = list(redis.scan_iter(f"*{prefix}*"))
        if keys:
            redis.delete(*keys)


def _log_size(access: Path) -> int:
    return access.stat().st_size if access.exists() else 0


def _pids(access: Path, since: int) -> set[str]:
    """The worker processes that answered the logins logged after byte `since`."""
    time.sleep(0.5)  # gunicorn writes the access log asynchronously
    with access.open("rb") as log:
        log.seek(since)
        lines = log.read().decode().splitlines()
    return {line.split()[0] for line in lines if line.endswith((" 401", " 429"))}


def test_failed_login_limit_holds_across_four_workers(workers):
    base, access = workers
    url = base + "/api/v1/auth/token"
    body = {"email": f"guess-{secrets.token_hex(3)}@example.cn", "password": "wrong-password"}
    statuses = [_post(url, body) for _ in range(40)]  # a new connection each: any worker
    assert statuses.count(401) == 10, statuses  # the per-account limit: 10 a minute in total
    assert statuses.count(429) == 30


def test_parallel_guesses_overshoot_only_by_the_requests_in_flight(workers):
    """A failure is counted when its answer is known, so requests already running when the
    limit is reached still finish: 8 at a time allow at most 10 + 7, never 10 per worker.

    Sequential requests may all be accepted by one idle worker; 8 in flight, each wrong
    password costing a deliberate password hash, cannot be: a sync worker serves one at a
    time, so this is the test that shows the count is shared between processes."""
    base, access = workers
    url = base + "/api/v1/auth/token"
    body = {"email": f"guess-{secrets.token_hex(3)}@example.cn", "password": "wrong-password"}
    since = _log_size(access)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: _post(url, body), range(40)))
    assert 10 <= statuses.count(401) <= 17, statuses
    assert statuses.count(401) + statuses.count(429) == 40
    assert len(_pids(access, since)) > 1, "8 requests in flight are served by several workers"
