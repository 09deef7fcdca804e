"""Outgoing mail. There is no mail server yet: each message is written to `instance/outbox/`
as an .eml file and logged, which is how development and the tests read it."""

import logging
from email.message import EmailMessage
from pathlib import Path

from flask import current_app

from core.timeutil import now_utc

log = logging.getLogger(__name__)


def outbox() -> Path:
    return Path(current_app.instance_path) / "outbox"


def send(to: str, subject: str, body: str) -> Path:
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM", "no-reply@skillbridge.local")
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    folder = outbox()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{now_utc():%Y%m%dT%H%M%S%f}-{abs(hash(to)) % 10**8:08d}.eml"
    path.write_bytes(message.as_bytes())
    log.info("mail to %s written to %s: %s", to, path, subject)
    return path
