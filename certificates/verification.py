"""Checking certificates: by serial, by uploaded PDF, in bulk from a CSV, as a VC-JWT."""

import csv
import hashlib
import hmac
import io
import re

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certificates import cache, pdf, serials, signing
from certificates.models import Certificate, CertificateFile
from certificates.service import (
    ISSUER_EN,
    LEVEL_TITLES,
    TYPE_TITLES,
    by_serial,
    effective_status,
    mask_name,
)
from core.csvexport import csv_text
from core.errors import Invalid
from core.extensions import db
from core.timeutil import iso, to_local

SERIAL_IN_BYTES = re.compile(rb"SB\d{17}[\dX]")
MAX_BULK_ROWS = 5000


def signature_valid(cert: Certificate) -> bool:
    """The stored payload verifies under its key and names this serial."""
    if not signing.verify(cert.payload, cert.signature, cert.key_id):
        return False
    try:
        import json

        return json.loads(cert.payload).get("serial") == cert.serial
    except ValueError:
        return False


def occupation_ref(cert: Certificate, locale: str = "zh") -> dict:
    occupation = cert.occupation
    return {"code": occupation.code, "name": occupation.name(locale),
            "name_zh": occupation.name_zh, "name_en": occupation.name_en}


def public_view(cert: Certificate, locale: str = "zh") -> dict:
    """What anyone may see: masked holder, occupation, level, dates, status, signature check."""
    status = effective_status(cert)
    result = {
        "serial": cert.serial, "status": status,
        "holder": {"name_masked": mask_name(cert.holder_name),
                   "id_masked": cert.holder_id_masked},
        "occupation": occupation_ref(cert, locale), "level": cert.level,
        "certificate_type": cert.certificate_type, "issued_at": iso(cert.issued_at),
        "expires_at": iso(cert.expires_at), "signature_valid": signature_valid(cert),
        "key_id": cert.key_id, "provider": cert.provider_name,
    }
    if status == "revoked":
        result.update(revoked_at=iso(cert.revoked_at), revoked_reason=cert.revoked_reason)
    if status == "superseded" and cert.superseded_by_id:
        result["superseded_by"] = db.session.get(Certificate, cert.superseded_by_id).serial
    return result


def verify_serial(serial: str, locale: str = "zh", qr_signature: str | None = None) -> dict:
    """The public answer for a serial; `qr_signature` (from a scanned QR) is compared too."""
    serial = (serial or "").strip().upper()
    ttl = current_app.config.get("CERTIFICATE_VERIFY_CACHE_SECONDS", 0)
    hit = cache.get((serial, locale)) if ttl else None
    if hit is None:
        cert = db.session.scalar(select(Certificate).options(joinedload(Certificate.occupation))
                                 .where(Certificate.serial == serial))
        if cert is None:
            by_serial(serial)  # raises the 404
        hit = public_view(cert, locale), cert.signature
        if ttl:
            cache.put((serial, locale), ttl, *hit)
    result = dict(hit[0])
    if qr_signature is not None:
        result["qr_signature_matches"] = hmac.compare_digest(qr_signature.encode(),
                                                             hit[1].encode())
    return result


def verify_pdf(data: bytes) -> dict:
    """authentic: these exact bytes were issued by us; altered: it claims to be one of ours
    but differs (one changed byte is enough); unknown: nothing ties it to a certificate."""
    if not data:
        raise Invalid(_("Upload a PDF file."), fields={"file": [_("Upload a PDF file.")]})
    digest = hashlib.sha256(data).hexdigest()
    row = db.session.scalar(select(CertificateFile).where(CertificateFile.sha256 == digest))
    if row is not None:
        cert = row.certificate
        return {"result": "authentic", "serial": cert.serial, "status": effective_status(cert),
                "sha256": digest}
    if b"%PDF-" not in data[:1024]:  # the header may follow up to 1 KB of junk (ISO 32000)
        raise Invalid(_("This file is not a PDF."), code="not_a_pdf",
                      fields={"file": [_("Upload a PDF file.")]})
    claimed = None
    try:
        embedded = pdf.embedded_payload(data)
    except pdf.UnreadablePdf:
        embedded, unreadable = None, True
    else:
        unreadable = False
    if embedded and isinstance(embedded.get("payload"), dict):
        claimed = str(embedded["payload"].get("serial", ""))
    if not claimed:
        match = SERIAL_IN_BYTES.search(data)
        claimed = match.group().decode() if match else None
    cert = db.session.scalar(select(Certificate).where(Certificate.serial == claimed)) \
        if claimed else None
    if cert is None:
        if unreadable:  # broken, truncated or hostile, and naming none of our certificates
            raise Invalid(_("This PDF is damaged or cannot be read."), code="invalid_pdf",
                          fields={"file": [_("The PDF cannot be read.")]})
        return {"result": "unknown", "sha256": digest}
    return {"result": "altered", "serial": cert.serial, "status": effective_status(cert),
            "sha256": digest}


def bulk_verify(text: str) -> str:
    """CSV in (serial, name, id_last4; header optional) → CSV of results, one row per line."""
    rows = list(csv.reader(io.StringIO(text)))
    if rows and rows[0] and rows[0][0].strip().lower() == "serial":
        rows = rows[1:]
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise Invalid(_("The CSV has no rows."), fields={"file": [_("The CSV has no rows.")]})
    if len(rows) > MAX_BULK_ROWS:
        message = _("At most %(n)d rows per file.", n=MAX_BULK_ROWS)
        raise Invalid(message, fields={"file": [message]})
    wanted = {r[0].strip().upper() for r in rows}
    found = {c.serial: c for c in db.session.scalars(
        select(Certificate).where(Certificate.serial.in_(wanted)))}
    header = ["serial", "result", "name_matches", "id_last4_matches", "occupation_code",
              "level", "issued_on", "signature_valid", "revoked_reason"]
    out = []
    for row in rows:
        serial = row[0].strip().upper()
        name = row[1].strip() if len(row) > 1 else ""
        last4 = row[2].strip().upper() if len(row) > 2 else ""
        cert = found.get(serial)
        if cert is None:
            result = "malformed" if not serials.is_valid(serial) else "unknown"
            out.append([serial, result, "", "", "", "", "", "", ""])
            continue
        out.append([
            serial, effective_status(cert),
            "yes" if name == cert.holder_name else ("no" if name else ""),
            "yes" if last4 and cert.holder_id_masked.endswith(last4)
            else ("no" if last4 else ""),
            cert.occupation.code, cert.level, to_local(cert.issued_at).strftime("%Y-%m-%d"),
            "yes" if signature_valid(cert) else "no", cert.revoked_reason or ""])
    return csv_text(header, out, bom=False)


def open_badge(cert: Certificate) -> dict:
    """The certificate as an Open Badges 3.0 OpenBadgeCredential (unsigned JSON)."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    type_zh, type_en = TYPE_TITLES.get(cert.certificate_type, (cert.certificate_type,) * 2)
    level_zh, level_en = LEVEL_TITLES[cert.level]
    occupation = cert.occupation
    salt = hashlib.sha256(f"{cert.serial}:{cert.signature}".encode()).hexdigest()[:16]
    id_number = cert.trainee.profile.id_number if cert.trainee.profile else ""
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"{base}/verify/{cert.serial}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": base, "type": ["Profile"], "name": ISSUER_EN},
        "validFrom": iso(cert.issued_at),
        "name": f"{type_en}: {occupation.name_en}, {level_en}",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": cert.holder_name,
            "identifier": [{
                "type": "IdentityObject", "identityType": "identifier", "hashed": True,
                "salt": salt,
                "identityHash": "sha256$" + hashlib.sha256(
                    (id_number + salt).encode()).hexdigest()}],
            "achievement": {
                "id": f"{base}/occupations/{occupation.code}/levels/{cert.level}",
                "type": ["Achievement"], "achievementType": "Certificate",
                "name": f"{occupation.name_zh} {level_zh} / {occupation.name_en} {level_en}",
                "description": f"{type_zh} / {type_en}",
                "criteria": {"narrative": "Attended the required training hours and passed "
                                          "the theory and practical skill assessment."},
                "fieldOfStudy": occupation.code,
            },
        },
        "credentialStatus": {"id": f"{base}/api/v1/certificates/{cert.serial}/verify",
                             "type": "SkillBridgeStatusCheck"},
    }
    if cert.expires_at is not None:
        credential["validUntil"] = iso(cert.expires_at)
    return credential


def open_badge_jwt(cert: Certificate) -> dict:
    """OB 3.0 VC-JWT (EdDSA, same key as the PDFs): JWT claims carry the credential in `vc`."""
    credential = open_badge(cert)
    claims = {"iss": credential["issuer"]["id"], "jti": credential["id"],
              "sub": f"urn:skillbridge:certificate:{cert.serial}",
              "nbf": int(cert.issued_at.timestamp()), "vc": credential}
    if cert.expires_at is not None:
        claims["exp"] = int(cert.expires_at.timestamp())
    return {"credential": credential, "jwt": signing.jwt_encode(claims)}
