"""One Redis client (and so one connection pool) per URL and options in each process: the
features that use Redis (certificate jobs, the menu's generation) share this instead of
opening a pool per call."""

from functools import cache


@cache
def redis_client(url: str, timeout: float | None = None):
    """The process's client for `url`; `timeout` (seconds) bounds connecting and each reply,
    for callers that would rather give up than wait on a slow Redis."""
    from redis import Redis

    return Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
