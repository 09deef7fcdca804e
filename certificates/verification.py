"""Checking certificates: by serial, by uploaded PDF, in bulk from a CSV, as a VC-JWT."""

import csv
import hashlib
import hmac
import io
import json
import re
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from certificates import cache, pdf, serials, signing
from certificates.documents import local_date
from certificates.models import Certificate, CertificateFile
from certificates.service import (
    by_serial,
    effective_status,
    local_iso,
    mask_name,
)
from core.csvexport import csv_text
from core.errors import Invalid
from core.extensions import db
from core.timeutil import as_utc, to_local

SERIAL_IN_BYTES = re.compile(rb"SB\d{17}[\dX]")
MAX_BULK_ROWS = 5000


def signed_payload(cert: Certificate) -> dict | None:
    """The payload, when its signature verifies under our key and it names this serial."""
    if not signing.verify(cert.payload, cert.signature, cert.key_id):
        return None
    try:
        data = json.loads(cert.payload)
    except ValueError:
        return None
    return data if isinstance(data, dict) and data.get("serial") == cert.serial else None


def signature_valid(cert: Certificate) -> bool:
    return signed_payload(cert) is not None


def _same_moment(signed: str | None, stored) -> bool:
    if signed is None or stored is None:
        return signed is None and stored is None
    return datetime.fromisoformat(signed) == as_utc(stored)


def record_matches(cert: Certificate, data: dict) -> bool:
    """Every stored column a verifier relies on says what the signature says."""
    return (data.get("holder_name") == cert.holder_name
            and data.get("holder_id_masked") == cert.holder_id_masked
            and data.get("occupation_code") == cert.occupation.code
            and data.get("level") == cert.level
            and data.get("type") == cert.certificate_type
            and data.get("region_code") == cert.region_code
            and data.get("provider") == cert.provider_name
            and data.get("training_hours") == cert.training_hours
            and data.get("status_index") == cert.status_index
            and _same_moment(data.get("issued_at"), cert.issued_at)
            and _same_moment(data.get("expires_at"), cert.expires_at))


def occupation_ref(cert: Certificate, locale: str = "zh") -> dict:
    occupation = cert.occupation
    return {"code": occupation.code, "name": occupation.name(locale),
            "name_zh": occupation.name_zh, "name_en": occupation.name_en}


def signed_occupation(data: dict, locale: str) -> dict:
    name_en = data.get("occupation_en") or data["occupation_zh"]
    return {"code": data["occupation_code"],
            "name": name_en if locale.startswith("en") else data["occupation_zh"],
            "name_zh": data["occupation_zh"], "name_en": name_en}


def public_view(cert: Certificate, locale: str = "zh") -> dict:
    """What anyone may see, taken from the signed payload only: masked holder, occupation,
    level, Beijing dates, status. A record that disagrees with its signature is `altered`."""
    data = signed_payload(cert)
    if data is None or not record_matches(cert, data):
        return {"serial": cert.serial, "status": "altered", "signature_valid": False,
                "key_id": cert.key_id}
    status = effective_status(cert)
    result = {
        "serial": cert.serial, "status": status,
        "holder": {"name_masked": mask_name(data["holder_name"]),
                   "id_masked": data["holder_id_masked"]},
        "occupation": signed_occupation(data, locale), "level": data["level"],
        "certificate_type": data["type"], "issued_at": data["issued_at"],
        "issued_on": local_date(data["issued_at"]),
        "expires_at": data.get("expires_at"), "signature_valid": True,
        "key_id": cert.key_id, "provider": data.get("provider"),
    }
    if status == "revoked":
        result.update(revoked_at=local_iso(cert.revoked_at),
                      revoked_reason=cert.revocation_category or "other")
    if status == "superseded" and cert.superseded_by_id:
        result["superseded_by"] = db.session.get(Certificate, cert.superseded_by_id).serial
    return result


def public_status(cert: Certificate) -> str:
    return public_view(cert)["status"]


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
        return {"result": "authentic", "serial": cert.serial, "status": public_status(cert),
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
    return {"result": "altered", "serial": cert.serial, "status": public_status(cert),
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
            serial, public_status(cert),
            "yes" if name == cert.holder_name else ("no" if name else ""),
            "yes" if last4 and cert.holder_id_masked.endswith(last4)
            else ("no" if last4 else ""),
            cert.occupation.code, cert.level, to_local(cert.issued_at).strftime("%Y-%m-%d"),
            "yes" if signature_valid(cert) else "no", cert.revoked_reason or ""])
    return csv_text(header, out, bom=False)
