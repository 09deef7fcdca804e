"""The environment a benchmark serves the app in: production mode, with its own throw-away
secrets and certificate signing key, so `make bench` runs from a clean clone with nothing set
by hand (production refuses to start without a signing key, and without Redis for the shared
rate limits: the local Redis, BENCH_REDIS_URL, with a queue name of this run's own so no other
worker takes its certificate jobs)."""

import os
import secrets
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def redis_url() -> str:
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=2).ping()
    except RedisError as exc:
        sys.exit(f"the benchmarks serve the app in production mode, which needs Redis at {url} "
                 f"(apt-get install redis-server, or set BENCH_REDIS_URL): {exc}")
    return url


def production_env() -> dict[str, str]:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    run = secrets.token_hex(3)
    return {"SKILLBRIDGE_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
            "CERTIFICATE_SIGNING_KEY": pem, "CERTIFICATE_KEY_ID": f"sb-bench-{run}",
            "REDIS_URL": redis_url(), "CERTIFICATE_QUEUE": f"sb-bench-{run}"}
