"""Key-group evidence: uploads checked by size and content, stored outside the web root, and
the officer's confirm/refuse decision on each declared group."""

import hashlib
import os
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from accounts import scope
from accounts.models import KEY_GROUPS, KeyGroupDeclaration, TraineeProfile, User
from core.audit import record
from core.errors import Conflict, Invalid, NotFound, ServiceError, recoverable
from core.extensions import db
from core.timeutil import now_utc
from subsidies.models import KeyGroupEvidence, SubsidyClaim

MAX_BYTES = 5 * 1024 * 1024
# Judged by the file's first bytes, never by its name or the browser's claimed type.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


def evidence_dir() -> Path:
    path = Path(current_app.instance_path) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _check_group(group: str) -> None:
    if group not in KEY_GROUPS:
        raise NotFound(_("Unknown key group."))


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, content_type, suffix in SIGNATURES:
        if data.startswith(magic):
            return content_type, suffix
    return None


def upload(trainee: User, group: str, filename: str, data: bytes) -> KeyGroupEvidence:
    """Store evidence for one of the trainee's key groups (declaring it if needed)."""
    _check_group(group)
    if trainee.profile is None:
        raise ServiceError(_("Only trainees with a profile can upload evidence."), status=403,
                           code="forbidden")
    if not data:
        raise Invalid(_("The file is empty."), fields={"file": [_("Choose a PDF or an image.")]})
    if len(data) > MAX_BYTES:
        raise ServiceError(_("The file is larger than 5 MB."), code="payload_too_large",
                           status=413, fields={"file": [_("At most 5 MB.")]})
    kind = sniff(data)
    if kind is None:
        raise Invalid(_("Only PDF, PNG or JPEG files are accepted."),
                      fields={"file": [_("Only PDF, PNG or JPEG files are accepted.")]},
                      code="unsupported_file")
    content_type, suffix = kind
    declaration = db.session.scalar(select(KeyGroupDeclaration).where(
        KeyGroupDeclaration.user_id == trainee.id, KeyGroupDeclaration.group == group))
    if declaration is None:
        declaration = KeyGroupDeclaration(user_id=trainee.id, group=group, status="declared")
        db.session.add(declaration)
        db.session.flush()
        record(trainee, "key_group.declare", declaration, after={"group": group})
    stored = secrets.token_hex(16) + suffix
    safe_name = os.path.basename(filename or "evidence")[:200] or "evidence"
    row = KeyGroupEvidence(declaration_id=declaration.id, user_id=trainee.id,
                           filename=safe_name, content_type=content_type, size_bytes=len(data),
                           sha256=hashlib.sha256(data).hexdigest(), stored_name=stored)
    db.session.add(row)
    db.session.flush()
    path = evidence_dir() / stored
    path.write_bytes(data)
    path.chmod(0o600)
    record(trainee, "key_group.evidence_upload", row,
           after={"group": group, "filename": safe_name, "sha256": row.sha256,
                  "size_bytes": row.size_bytes})
    return row


def evidence_for(user_id: int) -> dict[str, list[KeyGroupEvidence]]:
    rows = db.session.scalars(select(KeyGroupEvidence).where(KeyGroupEvidence.user_id == user_id)
                              .order_by(KeyGroupEvidence.id.desc())).all()
    out: dict[str, list[KeyGroupEvidence]] = {}
    for row in rows:
        out.setdefault(row.declaration.group, []).append(row)
    return out


def get_evidence(evidence_id: int, viewer) -> tuple[KeyGroupEvidence, Path]:
    row = db.session.get(KeyGroupEvidence, evidence_id)
    if row is None or not (viewer.role == "officer" or viewer.id == row.user_id):
        raise NotFound(_("No such file."))
    if viewer.id != row.user_id:
        scope.require(viewer, _home_region(row.user_id))
    path = evidence_dir() / row.stored_name
    if not path.is_file():
        raise NotFound(_("The file is missing from storage."))
    return row, path


def _home_region(user_id: int) -> str | None:
    profile = db.session.get(TraineeProfile, user_id)
    return profile.region_code if profile else None


def confirm(officer, trainee_id: int, group: str, confirmed: bool) -> KeyGroupDeclaration:
    """Confirm or refuse a declared key group; a confirmation re-decides claims it unblocks, a
    refusal the pending and approved ones that may have rested on it."""
    from subsidies import service

    _check_group(group)
    trainee = db.session.get(User, trainee_id)
    if trainee is not None and trainee.role == "trainee":
        scope.require(officer, _home_region(trainee_id))
    declaration = db.session.scalar(select(KeyGroupDeclaration).where(
        KeyGroupDeclaration.user_id == trainee_id, KeyGroupDeclaration.group == group))
    if declaration is None:
        trainee = db.session.get(User, trainee_id)
        if trainee is None or trainee.role != "trainee":
            raise NotFound(_("No such trainee."))
        raise NotFound(_("The trainee has not declared this key group."),
                       code="group_not_declared")
    before = {"status": declaration.status}
    declaration.status = "confirmed" if confirmed else "refused"
    declaration.decided_by_id, declaration.decided_at = officer.id, now_utc()
    db.session.flush()
    record(officer, "key_group.confirm" if confirmed else "key_group.refuse", declaration,
           before=before, after={"status": declaration.status})
    if confirmed:
        waiting = db.session.scalars(select(SubsidyClaim).where(
            SubsidyClaim.trainee_id == trainee_id, SubsidyClaim.status == "ineligible")
            .order_by(SubsidyClaim.id)).all()
        for claim in waiting:
            try:
                with recoverable():
                    service.reevaluate(officer, claim)
            except Conflict:
                continue  # still blocked by another rule; the claim keeps its reasons
    else:
        undecided = db.session.scalars(select(SubsidyClaim).where(
            SubsidyClaim.trainee_id == trainee_id,
            SubsidyClaim.status.in_(("pending", "approved"))).order_by(SubsidyClaim.id)).all()
        for claim in undecided:
            service.recheck(officer, claim)
    return declaration
