"""Menu pages kept in memory for one generation of the menu.

The menu is the busiest public read and it changes only when a course, an occupation or a
provider is written. Every commit that wrote one of their tables moves the menu's generation
on: in Redis when REDIS_URL is set (every worker and machine reads it there, one GET per
request), and in this process always. A page is kept per process under the generation it was
read in, so the first request after a change reads the database again and nothing stale is
served from a later generation. Entries also expire after MENU_CACHE_SECONDS, which bounds
what a change the ORM cannot see (SQL typed by hand) leaves behind; 0 turns the cache off.
"""

import hashlib
import threading
import time
from collections import OrderedDict
from functools import cache

from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool
from sqlalchemy.sql.dml import UpdateBase

from core.redisclient import redis_client

# Whatever a menu page shows or filters on lives in these tables.
MENU_TABLES = frozenset({"courses", "occupations", "platforms", "institutions",
                         "course_search_terms"})
_CHANGED = "menu_changed"
_MAX_PAGES = 512


class _Pages:
    """A small LRU of (key -> (stored at, page)), shared by the threads of one process."""

    def __init__(self, size: int):
        self._size = size
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, max_age: float):
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            stored_at, page = found
            if time.monotonic() - stored_at > max_age:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key, page) -> None:
        with self._lock:
            self._pages[key] = (time.monotonic(), page)
            self._pages.move_to_end(key)
            while len(self._pages) > self._size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


_pages = _Pages(_MAX_PAGES)
_local_generation = 0


def _generation_key(app) -> str:
    return _key_for_database(app.config["SQLALCHEMY_DATABASE_URI"])


@cache
def _key_for_database(database_uri: str) -> str:
    # One key per database: two deployments (or a benchmark's two runs) sharing a Redis do not
    # invalidate each other. Hashed once per process, not on every menu request.
    digest = hashlib.sha1(database_uri.encode()).hexdigest()[:12]
    return f"skillbridge:menu-generation:{digest}"


def _redis(app):
    url = app.config.get("REDIS_URL")
    # Short timeouts: a slow Redis costs the menu its cache, never its answer.
    return redis_client(url, timeout=0.5) if url else None


def _generation(app):
    """This process's and (with Redis) the shared generation; None when Redis cannot say."""
    client = _redis(app)
    if client is None:
        return _local_generation
    from redis.exceptions import RedisError

    try:
        return _local_generation, client.get(_generation_key(app))
    except RedisError:
        return None


def page(filters_key: tuple, compute):
    """The cached page for `filters_key` (everything the page depends on), else `compute()`."""
    app = current_app
    max_age = app.config.get("MENU_CACHE_SECONDS", 0)
    if not max_age:
        return compute()
    generation = _generation(app)
    if generation is None:
        return compute()
    key = (app.config["SQLALCHEMY_DATABASE_URI"], generation, filters_key)
    found = _pages.get(key, max_age)
    if found is None:
        found = compute()
        _pages.put(key, found)
    return found


def moved_on(app=None) -> None:
    """Start a new generation: every page cached so far, in every process, is old."""
    global _local_generation
    _local_generation += 1
    _pages.clear()
    client = _redis(app) if app is not None else None
    if client is not None:
        from redis.exceptions import RedisError

        try:
            client.incr(_generation_key(app))
        except RedisError:  # the entries' age limit still bounds the other processes
            app.logger.warning("menu cache: Redis unreachable, generation moved on locally")


def clear() -> None:
    """Forget every page cached in this process (tests empty the database between them)."""
    moved_on()


@event.listens_for(Engine, "after_execute")
def _note_menu_write(conn, clauseelement, _multiparams, _params, _options, _result) -> None:
    # ORM flushes, bulk updates and Core inserts all pass here; the mark rides on the DBAPI
    # connection until it goes back to the pool, that is after its commit or rollback.
    if isinstance(clauseelement, UpdateBase):
        table = getattr(clauseelement, "table", None)
        if getattr(table, "name", None) in MENU_TABLES:
            conn.info[_CHANGED] = True


@event.listens_for(Pool, "checkin")
def _after_release(_dbapi_connection, record) -> None:
    # Moving on after the commit (not before it) means no request can read the old rows under
    # the new generation. A rolled-back write moves on too: harmless, one extra read.
    if record is not None and record.info.pop(_CHANGED, False):
        try:
            app = current_app._get_current_object()
        except RuntimeError:  # outside an app context: this process only
            app = None
        moved_on(app)
