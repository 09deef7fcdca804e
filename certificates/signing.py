"""Canonical JSON, Ed25519 signatures, and the Open Badges 3.0 credential as a VC-JWT."""

import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from flask import current_app

from certificates.keys import KeyStore, b64url, b64url_decode, jwk_url


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


def jwt_encode(claims: dict, typ: str = "JWT", alg: str = "EdDSA") -> str:
    """A compact JWS signed by the active key: EdDSA (RFC 8037, Ed25519) or RS256 (RSA).

    The header's `kid` is a URL that resolves to the key (our JWKS, key id as fragment).
    """
    base = current_app.config["PUBLIC_BASE_URL"]
    if alg == "RS256":
        kid, rsa_key = store().rsa_signing_key()
        sign_bytes = lambda data: rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())  # noqa: E731
    else:
        kid, ed_key = store().signing_key()
        sign_bytes = ed_key.sign
    header = {"alg": alg, "kid": jwk_url(base, kid), "typ": typ}
    signing_input = ".".join(b64url(canonical(part).encode()) for part in (header, claims))
    return signing_input + "." + b64url(sign_bytes(signing_input.encode()))


def jwt_decode(token: str) -> dict | None:
    """The claims of a compact JWS we signed, or None when the signature does not verify."""
    try:
        header_b64, claims_b64, sig_b64 = token.split(".")
        header = json.loads(b64url_decode(header_b64))
        kid = str(header.get("kid", "")).rpartition("#")[2]
        signed = f"{header_b64}.{claims_b64}".encode()
        if header.get("alg") == "EdDSA" and kid in store().public:
            store().public[kid].verify(b64url_decode(sig_b64), signed)
        elif header.get("alg") == "RS256" and kid in store().rsa_public:
            store().rsa_public[kid].verify(b64url_decode(sig_b64), signed, padding.PKCS1v15(),
                                           hashes.SHA256())
        else:
            return None
        return json.loads(b64url_decode(claims_b64))
    except (ValueError, InvalidSignature, json.JSONDecodeError):
        return None
