"""Demo: only the signing key (created at start-up in development). The demo trainee's
certificate comes from the exams demo through the exam_passed signal."""

from flask import current_app


def load(ctx: dict) -> None:
    store = current_app.extensions["certificate_keys"]
    ctx["certificate_key_id"] = store.active_id
