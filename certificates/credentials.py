"""Standard credentials: the Open Badges 3.0 VC-JWT issued once per certificate, the holder's
random subject id, and the W3C Bitstring Status List that carries revocations.

The credential is built from the signed payload (never from editable table columns), stored
at issuance and served as stored; the status list is computed from the database on every
request, so a revocation is visible on the next fetch.
"""

import base64
import gzip
import uuid

from flask import current_app
from sqlalchemy import select

from certificates import signing
from certificates.models import STATUS_LIST_SIZE, Certificate, CertificateHolder, StatusCounter
from core.extensions import db
from core.models import conflict_insert
from core.timeutil import iso, now_utc

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
ISSUER_NAME = "SkillBridge Vocational Training Service"
# Stored as revoked in the list: a superseded certificate must not be relied on either.
LISTED_STATUSES = ("revoked", "superseded")


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def subject_id(trainee_id: int) -> str:
    """The holder's public identifier: a random urn:uuid made once per trainee."""
    row = db.session.get(CertificateHolder, trainee_id)
    if row is None:
        row = CertificateHolder(trainee_id=trainee_id, subject_id=f"urn:uuid:{uuid.uuid4()}")
        db.session.add(row)
        db.session.flush()
    return row.subject_id


def next_status_index() -> int:
    """Atomically take the next status-list index (an upsert on one counter row)."""
    stmt = conflict_insert(StatusCounter).values(purpose="revocation", last_value=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["purpose"], set_={"last_value": StatusCounter.last_value + 1},
    ).returning(StatusCounter.last_value)
    # Index 0 stays unused so that a missing index can never read as a real entry.
    return db.session.execute(stmt).scalar_one()


def status_list_url(number: int) -> str:
    return f"{base_url()}/api/v1/certificates/status-lists/{number}"


def issuer_url() -> str:
    return f"{base_url()}/api/v1/issuer"


def achievement_url(cert_type: str, occupation_code: str, level: int) -> str:
    return f"{base_url()}/api/v1/achievements/{cert_type}/{occupation_code}/{level}"


def credential_url(serial: str) -> str:
    return f"{base_url()}/api/v1/certificates/{serial}/credential"


def issuer_profile() -> dict:
    return {"@context": [VC_CONTEXT, OB_CONTEXT], "id": issuer_url(), "type": ["Profile"],
            "name": ISSUER_NAME, "url": base_url()}


def achievement(cert_type: str, occupation_code: str, level: int, *, names: dict) -> dict:
    """An OB 3.0 Achievement; `names` has type_zh/en, level_zh/en, occupation_zh/en."""
    return {
        "id": achievement_url(cert_type, occupation_code, level), "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": f"{names['occupation_zh']} {names['level_zh']} / "
                f"{names['occupation_en']} {names['level_en']}",
        "description": f"{names['type_zh']} / {names['type_en']}",
        "criteria": {"narrative": "Attended the required training hours and passed the "
                                  "theory and practical skill assessment."},
        "fieldOfStudy": occupation_code,
    }


def open_badge(payload: dict, *, names: dict, masked_name: str) -> dict:
    """The OpenBadgeCredential for a signed payload (the public masked name only)."""
    serial = payload["serial"]
    index = payload["status_index"]
    number = index // STATUS_LIST_SIZE + 1
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_url(serial),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_url(), "type": ["Profile"], "name": ISSUER_NAME},
        "validFrom": payload["issued_at"],
        "name": f"{names['type_en']}: {names['occupation_en']}, {names['level_en']}",
        "credentialSubject": {
            "id": payload["subject"], "type": ["AchievementSubject"], "name": masked_name,
            "achievement": achievement(payload["type"], payload["occupation_code"],
                                       payload["level"], names=names),
        },
        "credentialStatus": {
            "id": f"{status_list_url(number)}#{index % STATUS_LIST_SIZE}",
            "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": str(index % STATUS_LIST_SIZE),
            "statusListCredential": status_list_url(number),
        },
    }
    if payload.get("expires_at"):
        credential["validUntil"] = payload["expires_at"]
    return credential


def _seconds(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text).timestamp())


def vc_jwt(credential: dict, alg: str) -> str:
    """1EdTech VC-JWT: iss, jti, sub, nbf (validFrom), exp (validUntil) beside `vc`."""
    claims = {"iss": credential["issuer"]["id"], "jti": credential["id"],
              "sub": credential["credentialSubject"]["id"],
              "nbf": _seconds(credential["validFrom"]), "vc": credential}
    if credential.get("validUntil"):
        claims["exp"] = _seconds(credential["validUntil"])
    return signing.jwt_encode(claims, typ="vc+jwt", alg=alg)


def encoded_list(number: int) -> str:
    """Multibase base64url ('u', no padding) of the GZIP of the bitstring; bit i is the most
    significant bit of byte i // 8 counted from the left."""
    first = (number - 1) * STATUS_LIST_SIZE
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for index in db.session.scalars(select(Certificate.status_index).where(
            Certificate.status.in_(LISTED_STATUSES),
            Certificate.status_index >= first,
            Certificate.status_index < first + STATUS_LIST_SIZE)):
        position = index - first
        bits[position // 8] |= 0x80 >> (position % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def status_list_credential(number: int) -> dict:
    url = status_list_url(number)
    return {
        "@context": [VC_CONTEXT], "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(), "validFrom": iso(now_utc()),
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation",
                              "encodedList": encoded_list(number)},
    }


def status_list_jwt(number: int, alg: str | None = None) -> str:
    """Signed RS256 when an RSA key exists (as the stored credentials are), else EdDSA;
    `alg="EdDSA"` asks for the Ed25519 signature."""
    credential = status_list_credential(number)
    claims = {"iss": credential["issuer"], "jti": credential["id"],
              "sub": credential["credentialSubject"]["id"],
              "nbf": _seconds(credential["validFrom"]), "vc": credential}
    if alg != "EdDSA":
        alg = "RS256" if signing.store().rsa_private is not None else "EdDSA"
    return signing.jwt_encode(claims, typ="vc+jwt", alg=alg)


def list_count() -> int:
    """How many status lists exist (at least one, so the URL of list 1 always answers)."""
    top = db.session.scalar(select(StatusCounter.last_value).where(
        StatusCounter.purpose == "revocation")) or 0
    return top // STATUS_LIST_SIZE + 1
