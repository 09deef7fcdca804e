"""The app tests/accounts/test_shared_limits.py serves with several gunicorn workers: Redis
(REDIS_URL) holds the limits, under a key prefix of the test's own."""

import os

from app import create_app

app = create_app({"RATELIMIT_KEY_PREFIX": os.environ["TEST_LIMIT_PREFIX"]})
