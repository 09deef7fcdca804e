"""The app the fuzz run serves: configured from the environment like production (a demo
database in SKILLBRIDGE_INSTANCE), with rate limits off so the budget reaches the handlers
(limits have their own tests)."""

from app import create_app

app = create_app({"RATELIMIT_ENABLED": False})
