"""A short-lived per-process cache of public verification results.

Verification is public and hot (every QR scan); the answer changes only on revocation or
reissue. Entries live CERTIFICATE_VERIFY_CACHE_SECONDS (default 5 s, 0 in tests); this process
forgets a serial at once when it revokes or reissues it, other workers within the TTL.
"""

import time

MAX_ENTRIES = 10_000
_entries: dict[tuple[str, str], tuple[float, dict, str]] = {}


def get(key: tuple[str, str]) -> tuple[dict, str] | None:
    hit = _entries.get(key)
    if hit is None or hit[0] <= time.monotonic():
        return None
    return hit[1], hit[2]


def put(key: tuple[str, str], ttl: float, view: dict, signature: str) -> None:
    if len(_entries) >= MAX_ENTRIES:
        _entries.clear()
    _entries[key] = (time.monotonic() + ttl, view, signature)


def forget(serial: str) -> None:
    for key in [k for k in _entries if k[0] == serial]:
        _entries.pop(key, None)


def clear() -> None:
    _entries.clear()
