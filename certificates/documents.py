"""The certificate as a document: its titles, the plain values the PDF template gets (all
from the signed payload), and the rendered PDFs stored beside it."""

import hashlib
import json
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from certificates import pdf
from certificates.models import Certificate, CertificateFile
from core.extensions import db
from core.timeutil import to_local

ISSUER_ZH, ISSUER_EN = "SkillBridge 职业技能培训服务平台", "SkillBridge Vocational Training Service"
TYPE_TITLES = {
    "skill_level": ("职业技能等级证书", "Vocational Skill Level Certificate"),
    "vocational_qualification": ("职业资格证书", "Vocational Qualification Certificate"),
    "special_ability": ("专项职业能力证书", "Special Vocational Ability Certificate"),
    "training_completion": ("培训合格证书", "Training Completion Certificate"),
}
LEVEL_TITLES = {
    5: ("五级 / 初级工", "Level 5 (entry)"),
    4: ("四级 / 中级工", "Level 4 (intermediate)"),
    3: ("三级 / 高级工", "Level 3 (senior)"),
    2: ("二级 / 技师", "Level 2 (technician)"),
    1: ("一级 / 高级技师", "Level 1 (senior technician)"),
}


def title_names(payload: dict) -> dict:
    type_zh, type_en = TYPE_TITLES.get(payload["type"], (payload["type"], payload["type"]))
    level_zh, level_en = LEVEL_TITLES[payload["level"]]
    return {"type_zh": type_zh, "type_en": type_en, "level_zh": level_zh,
            "level_en": level_en, "occupation_zh": payload["occupation_zh"],
            "occupation_en": payload["occupation_en"]}


def signed_blob(cert: Certificate) -> dict:
    return {"payload": json.loads(cert.payload), "signature": cert.signature, "kid": cert.key_id}


def verify_url(cert: Certificate) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/verify/{cert.serial}?s={cert.signature}"


def local_date(text: str | None) -> str:
    """A signed ISO timestamp as the Beijing date people read (YYYY-MM-DD)."""
    return to_local(datetime.fromisoformat(text)).strftime("%Y-%m-%d") if text else ""


def name_size(name: str) -> str:
    """Long names shrink, then wrap (the template's classes), so serial and QR stay put."""
    width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in name)
    if width <= 16:
        return "name-l"
    if width <= 40:
        return "name-m"
    return "name-s" if width <= 90 else "name-xs"


def pdf_values(cert: Certificate, revoked: bool = False) -> dict:
    """Plain values only, all from the signed payload: the sandboxed template never sees a
    model, and the PDF shows exactly what was signed."""
    data = json.loads(cert.payload)
    type_zh, type_en = TYPE_TITLES.get(data["type"], (data["type"], data["type"]))
    level_zh, level_en = LEVEL_TITLES[data["level"]]
    return {
        "serial": data["serial"], "holder_name": data["holder_name"],
        "name_size": name_size(data["holder_name"]),
        "holder_id_masked": data["holder_id_masked"], "occupation_code": data["occupation_code"],
        "occupation_zh": data["occupation_zh"], "occupation_en": data["occupation_en"],
        "level_zh": level_zh, "level_en": level_en, "type_zh": type_zh, "type_en": type_en,
        "course_title": data["course_title"], "training_hours": data["training_hours"],
        "provider_name": data.get("provider") or "",
        "issued_on": local_date(data["issued_at"]),
        "expires_on": local_date(data.get("expires_at")),
        "issuer_zh": ISSUER_ZH, "issuer_en": ISSUER_EN, "key_id": cert.key_id,
        "qr": pdf.qr_data_uri(verify_url(cert)), "revoked": revoked,
    }


def store_pdf(cert: Certificate, watermark: str = "none") -> CertificateFile:
    """Render the PDF and keep its exact bytes and SHA-256 beside the certificate."""
    data = pdf.render_pdf(pdf_values(cert, revoked=watermark == "revoked"), signed_blob(cert))
    digest = hashlib.sha256(data).hexdigest()
    same = db.session.scalar(select(CertificateFile).where(CertificateFile.sha256 == digest))
    if same is not None:  # rendering is deterministic: the same bytes are already stored
        return same
    row = CertificateFile(certificate_id=cert.id, sha256=digest,
                          size_bytes=len(data), watermark=watermark, key_id=cert.key_id,
                          content=data)
    db.session.add(row)
    db.session.flush()
    return row


def latest_file(cert: Certificate, watermark: str) -> CertificateFile | None:
    return db.session.scalar(select(CertificateFile).where(
        CertificateFile.certificate_id == cert.id, CertificateFile.watermark == watermark)
        .order_by(CertificateFile.id.desc()).limit(1))
