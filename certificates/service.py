"""Issuing, revoking and reissuing certificates, their status and who may download them
(plain functions, no request); the certificate as a document (PDF values, stored files) is
in `documents`."""

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from accounts import scope
from accounts.models import TraineeProfile, User
from certificates import cache, credentials, documents, serials, signing
from certificates.models import (
    REVOCATION_CATEGORIES,
    Certificate,
    CertificateFile,
    IssuanceOutbox,
)
from core import audit, signals
from core.auth import OFFICER, TRAINEE
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.extensions import db
from core.timeutil import now_utc, to_local
from courses.models import Course

PAYLOAD_VERSION = 2
RENDER_AFTER_COMMIT = "certificates_to_render"


def validity_years(certificate_type: str) -> int | None:
    return current_app.config.get("CERTIFICATE_VALIDITY_YEARS", {}).get(certificate_type)


def _add_years(moment: datetime, years: int) -> datetime:
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + years, day=28)


def by_serial(serial: str) -> Certificate:
    cert = db.session.scalar(select(Certificate).where(
        Certificate.serial == (serial or "").strip().upper()))
    if cert is None:
        raise NotFound(_("No certificate has this serial number."), code="certificate_not_found")
    return cert


def status_clause(status: str, now: datetime | None = None):
    """SQL condition for a certificate's status as `effective_status` reads it."""
    now = now or now_utc()
    past_expiry = and_(Certificate.expires_at.is_not(None), Certificate.expires_at <= now)
    if status == "valid":
        return and_(Certificate.status == "valid", ~past_expiry)
    if status == "expired":
        return or_(Certificate.status == "expired",
                   and_(Certificate.status == "valid", past_expiry))
    return Certificate.status == status


def effective_status(cert: Certificate, now: datetime | None = None) -> str:
    """A valid certificate past its expiry date reads as expired."""
    if cert.status == "valid" and cert.expires_at is not None and cert.expires_at <= (
            now or now_utc()):
        return "expired"
    return cert.status


def local_iso(moment: datetime | None) -> str | None:
    """ISO 8601 in Beijing time (+08:00): its date part is the date people read."""
    return to_local(moment).isoformat() if moment is not None else None


def build_payload(*, serial: str, cert_type: str, holder_name: str, holder_id_masked: str,
                  course: Course, issued_at: datetime, expires_at: datetime | None,
                  subject: str, status_index: int) -> dict:
    occupation = course.occupation
    provider = course.provider
    return {
        "v": PAYLOAD_VERSION, "issuer": documents.ISSUER_EN, "serial": serial,
        "type": cert_type,
        "holder_name": holder_name, "holder_id_masked": holder_id_masked, "subject": subject,
        "occupation_code": occupation.code, "occupation_zh": occupation.name_zh,
        "occupation_en": occupation.name_en, "level": course.level,
        "course_title": course.title, "training_hours": course.required_hours,
        "provider": provider["name"] if provider else None, "region_code": course.region_code,
        "issued_at": local_iso(issued_at), "expires_at": local_iso(expires_at),
        "status_index": status_index,
    }


def _new_certificate(trainee: User, course: Course, *, holder_name: str, exam_id, attempt_id,
                     issued_at: datetime, expires_at: datetime | None) -> Certificate:
    year = to_local(issued_at).year
    sequence = serials.next_sequence(year, course.region_code, course.level)
    serial = serials.format_serial(year, course.region_code, course.level, sequence)
    id_masked = trainee.profile.id_masked if trainee.profile else ""
    payload = build_payload(serial=serial, cert_type=course.certificate_type,
                            holder_name=holder_name, holder_id_masked=id_masked, course=course,
                            issued_at=issued_at, expires_at=expires_at,
                            subject=credentials.subject_id(trainee.id),
                            status_index=credentials.next_status_index())
    text = signing.canonical(payload)
    kid, signature = signing.sign(text)
    # The Open Badges credential is made once, here, from what was signed; served as stored.
    badge = credentials.open_badge(payload, names=documents.title_names(payload),
                                   masked_name=mask_name(holder_name))
    rs256 = credentials.vc_jwt(badge, "RS256") if signing.store().rsa_private else None
    provider = course.provider
    return Certificate(
        serial=serial, trainee_id=trainee.id, course_id=course.id,
        occupation_id=course.occupation_id, exam_id=exam_id, attempt_id=attempt_id,
        level=course.level, certificate_type=course.certificate_type, status="valid",
        issued_at=issued_at, expires_at=expires_at, training_hours=course.required_hours,
        holder_name=holder_name, holder_id_masked=id_masked, region_code=course.region_code,
        provider_name=provider["name"] if provider else None, payload=text,
        signature=signature, key_id=kid, status_index=payload["status_index"],
        credential_jwt=rs256, credential_jwt_eddsa=credentials.vc_jwt(badge, "EdDSA"))


def for_attempt(attempt_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.attempt_id == attempt_id))


def live_certificate(trainee_id: int, course: Course) -> Certificate | None:
    """The holder's valid certificate for this course's occupation, level and type, if any."""
    return db.session.scalar(select(Certificate).where(
        Certificate.trainee_id == trainee_id, Certificate.occupation_id == course.occupation_id,
        Certificate.level == course.level,
        Certificate.certificate_type == course.certificate_type,
        Certificate.status == "valid"))


def issue_for_attempt(*, trainee_id: int, course_id: int, exam_id: int | None,
                      attempt_id: int | None, actor=None, render: bool = True,
                      issued_at: datetime | None = None) -> Certificate:
    """Issue the certificate of a passed exam attempt, in the caller's transaction.

    Idempotent: the same attempt always yields the same certificate, and a concurrent issue
    for it loses on the unique attempt_id and returns the winner's row. A person who already
    holds a valid certificate of this occupation, level and type gets that one back.
    """
    existing = for_attempt(attempt_id) if attempt_id is not None else None
    if existing is not None:
        return existing
    trainee = db.session.get(User, trainee_id)
    course = db.session.get(Course, course_id)
    if trainee is None or trainee.role != TRAINEE:
        raise NotFound(_("No such trainee."), code="trainee_not_found")
    if course is None:
        raise NotFound(_("No such course."), code="course_not_found")
    held = live_certificate(trainee_id, course)
    if held is not None:
        return held
    issued_at = issued_at or now_utc()
    years = validity_years(course.certificate_type)
    expires_at = _add_years(issued_at, years) if years else None
    for _attempt in range(3):
        cert = _new_certificate(trainee, course, holder_name=trainee.name, exam_id=exam_id,
                                attempt_id=attempt_id, issued_at=issued_at,
                                expires_at=expires_at)
        try:
            with db.session.begin_nested():
                db.session.add(cert)
                db.session.flush()
            break
        except IntegrityError:
            winner = (for_attempt(attempt_id) if attempt_id is not None else None) \
                or live_certificate(trainee_id, course)
            if winner is not None:
                return winner
            # A serial made outside the counter (imported data) is taken: next number.
    else:
        raise Conflict(_("The certificate could not be issued; try again."))
    audit.record(actor, "certificate.issue", cert, after={
        "serial": cert.serial, "trainee_id": trainee_id, "course_id": course_id,
        "exam_id": exam_id, "attempt_id": attempt_id, "key_id": cert.key_id})
    if render:
        if current_app.config.get("REDIS_URL"):
            # Workers render after this transaction commits; the request stays fast and
            # holds the serial counter only for milliseconds. A download before the job
            # ran renders on demand.
            db.session.info.setdefault(RENDER_AFTER_COMMIT, []).append(cert.id)
        else:
            documents.store_pdf(cert)
    signals.certificate_issued.send(current_app._get_current_object(), certificate=cert,
                                    actor=actor)
    return cert


def achievement_for(cert_type: str, occupation_code: str, level: int) -> dict:
    """The public Achievement a credential's id points to (404 for an unknown one)."""
    from courses.models import Occupation

    occupation = db.session.scalar(select(Occupation).where(Occupation.code == occupation_code))
    if (occupation is None or cert_type not in documents.TYPE_TITLES
            or level not in documents.LEVEL_TITLES):
        raise NotFound(_("No such achievement."), code="achievement_not_found")
    names = documents.title_names({"type": cert_type, "level": level,
                                   "occupation_zh": occupation.name_zh,
                                   "occupation_en": occupation.name_en})
    return {"@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT],
            **credentials.achievement(cert_type, occupation_code, level, names=names)}


def in_scope(user, cert: Certificate) -> bool:
    """Is the certificate in a region-limited officer's regions? Either the issuing course's
    region or the holder's home region counts (both offices handle it)."""
    if not scope.is_limited(user):
        return True
    home = cert.trainee.profile.region_code if cert.trainee.profile else None
    return scope.in_scope(user, cert.region_code or cert.course.region_code) or \
        scope.in_scope(user, home)


def require_scope(user, cert: Certificate) -> None:
    if not in_scope(user, cert):
        raise scope.RegionForbidden(_("This certificate belongs to a region outside yours."))


def scoped(stmt, user):
    """A certificate query narrowed to a region-limited officer's regions."""
    inside = scope.clause(user, Certificate.region_code)
    if inside is None:
        return stmt
    return stmt.where(or_(inside, Certificate.trainee_id.in_(
        select(TraineeProfile.user_id).where(scope.clause(user, TraineeProfile.region_code)))))


def can_download(cert: Certificate, user) -> bool:
    """The holder, officers (of its regions) and the course's instructors; nobody else."""
    if user is None:
        return False
    if user.id == cert.trainee_id:
        return True
    if user.role == OFFICER:
        return in_scope(user, cert)
    return user.role == "instructor" and cert.course.is_instructor(user)


def pdf_for_download(cert: Certificate, user) -> CertificateFile:
    """The stored PDF to hand out; a revoked certificate's copy carries a REVOKED watermark."""
    if user is not None and user.role == OFFICER:
        require_scope(user, cert)
    if not can_download(cert, user):
        raise Forbidden(_("You may not download this certificate."))
    watermark = "revoked" if cert.status == "revoked" else "none"
    row = documents.latest_file(cert, watermark)
    if row is None:
        if not cert.payload or not cert.signature:  # nothing signed to print (imported rows)
            raise Conflict(_("This certificate has no signed record to print; ask an officer "
                             "to reissue it."), code="certificate_unsigned")
        row = documents.store_pdf(cert, watermark)
        audit.record(user, "certificate.render", cert, after={"file_sha256": row.sha256,
                                                              "watermark": watermark})
    return row


def revoke(serial: str, actor, reason: str, category: str = "other") -> Certificate:
    """Officer revokes a certificate with a reason; audited, and subsidies are told.

    The public sees only `category`; the officer's own words stay internal. The status
    list (computed per request) shows the revocation on the next fetch.
    """
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("A reason is required."), fields={"reason": [_("A reason is required.")]})
    if category not in REVOCATION_CATEGORIES:
        raise Invalid(_("Choose a reason category."),
                      fields={"category": [_("Choose a reason category.")]})
    if len(reason) > 500:
        raise Invalid(_("The reason is too long."),
                      fields={"reason": [_("At most 500 characters.")]})
    cert = by_serial(serial)
    require_scope(actor, cert)
    before = {"status": cert.status}
    if not _leave_status(cert, ("valid", "expired"), status="revoked", revoked_at=now_utc(),
                         revoked_reason=reason, revoked_by_id=actor.id,
                         revocation_category=category):
        raise Conflict(_("This certificate is already %(status)s.", status=cert.status_title),
                       code=f"certificate_{cert.status}")
    cache.forget(cert.serial)
    audit.record(actor, "certificate.revoke", cert, before=before,
                 after={"status": "revoked", "reason": reason, "category": category})
    signals.certificate_revoked.send(current_app._get_current_object(), certificate=cert,
                                     actor=actor)
    return cert


def _leave_status(cert: Certificate, allowed: tuple[str, ...], **values) -> bool:
    """Change `cert` in one UPDATE guarded by its status: of two officers acting at once (two
    revocations, a revocation and a reissue) both pass a check of the row as first read, so
    only the WHERE clause tells the second that the first got there (False; no change). The
    object then holds what the row holds either way."""
    done = db.session.execute(
        update(Certificate).where(Certificate.id == cert.id, Certificate.status.in_(allowed))
        .values(**values).execution_options(synchronize_session=False))
    db.session.refresh(cert)
    return done.rowcount == 1


def reissue(serial: str, actor, holder_name: str | None = None) -> Certificate:
    """A new certificate (new serial) for a corrected name; the old one becomes superseded.

    The exam attempt moves to the new certificate, so "one certificate per result" holds.
    """
    old = by_serial(serial)
    require_scope(actor, old)

    def refused() -> Conflict:
        return Conflict(_("Only a valid certificate can be reissued."),
                        code=f"certificate_{old.status}")
    if old.status != "valid":
        raise refused()
    name = (holder_name if holder_name is not None else old.trainee.name or "").strip()
    if not name or len(name) > 100:
        raise Invalid(_("Give the holder's corrected name (1 to 100 characters)."),
                      fields={"holder_name": [_("1 to 100 characters.")]})
    # The old row leaves "valid" before the new one exists (one live certificate per person,
    # occupation, level and type); it points at itself until the new id is known, all inside
    # this transaction.
    attempt_id = old.attempt_id
    if not _leave_status(old, ("valid",), status="superseded", attempt_id=None,
                         superseded_by_id=old.id):
        raise refused()
    new = _new_certificate(old.trainee, old.course, holder_name=name, exam_id=old.exam_id,
                           attempt_id=attempt_id, issued_at=now_utc(),
                           expires_at=old.expires_at)
    new.replaces_id = old.id
    db.session.add(new)
    db.session.flush()
    old.superseded_by_id = new.id
    # Passed results that pointed at the old certificate now lead to the current one.
    db.session.execute(update(IssuanceOutbox).where(IssuanceOutbox.certificate_id == old.id)
                       .values(certificate_id=new.id))
    db.session.flush()
    cache.forget(old.serial)
    audit.record(actor, "certificate.reissue", new, before={"serial": old.serial,
                                                          "holder_name": old.holder_name},
                 after={"serial": new.serial, "holder_name": name})
    audit.record(actor, "certificate.supersede", old, before={"status": "valid"},
                 after={"status": "superseded", "superseded_by": new.serial})
    documents.store_pdf(new)
    return new


def mask_name(name: str) -> str:
    """李春花 → 李**: the public sees the surname only."""
    name = (name or "").strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""
