"""Password policy: at least 10 characters and not guessable (zxcvbn, its bundled lists)."""

from flask_babel import gettext as _
from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 200
# zxcvbn score 0-1 means fewer than 10^6 guesses: common passwords, keyboard runs, repeats.
MIN_SCORE = 2


def problems(password: str | None, user_inputs: tuple = ()) -> list[str]:
    """Why `password` may not be used (empty list when it may); messages are translated."""
    password = password or ""
    if len(password) < MIN_LENGTH or not password.strip():
        return [_("Password must be at least %(n)d characters.", n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_("Password must be at most %(n)d characters.", n=MAX_LENGTH)]
    # zxcvbn is slow on long input; its verdict on the first 100 characters is enough.
    inputs = [str(v) for v in user_inputs if v]
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_SCORE:
        return [_("This password is too common or too easy to guess: use a longer phrase.")]
    return []
