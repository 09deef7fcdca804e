"""Canonical JSON, Ed25519 signatures, and the Open Badges 3.0 credential as a VC-JWT."""

import json

from cryptography.exceptions import InvalidSignature
from flask import current_app

from certificates.keys import KeyStore, b64url, b64url_decode


def canonical(data: dict) -> str:
    """Sorted keys, no whitespace, UTF-8 text (not \\u escapes): the bytes that get signed."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def store() -> KeyStore:
    return current_app.extensions["certificate_keys"]


def sign(payload_text: str) -> tuple[str, str]:
    """Sign canonical payload text; returns (key id, base64url signature)."""
    kid, private = store().signing_key()
    return kid, b64url(private.sign(payload_text.encode("utf-8")))


def verify(payload_text: str, signature: str, kid: str) -> bool:
    public = store().public.get(kid)
    if public is None or not signature:
        return False
    try:
        public.verify(b64url_decode(signature), payload_text.encode("utf-8"))
    except (InvalidSignature, ValueError):
        return False
    return True


def jwt_encode(claims: dict, typ: str = "JWT") -> str:
    """A compact JWS with EdDSA (RFC 8037) signed by the active certificate key."""
    kid, private = store().signing_key()
    header = {"alg": "EdDSA", "kid": kid, "typ": typ}
    signing_input = ".".join(b64url(canonical(part).encode()) for part in (header, claims))
    return signing_input + "." + b64url(private.sign(signing_input.encode()))


def jwt_decode(token: str) -> dict | None:
    """The claims of a compact JWS we signed, or None when the signature does not verify."""
    try:
        header_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        public = store().public.get(header.get("kid"))
        if header.get("alg") != "EdDSA" or public is None:
            return None
        public.verify(b64url_decode(sig_b64), f"{header_b64}.{claims_b64}".encode())
        return json.loads(b64url_decode(claims_b64))
    except (ValueError, InvalidSignature, json.JSONDecodeError):
        return None
