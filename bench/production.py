"""The environment a benchmark serves the app in: production mode, with its own throw-away
secrets and certificate signing key, so `make bench` runs from a clean clone with nothing set
by hand (production refuses to start without a signing key)."""

import secrets

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def production_env() -> dict[str, str]:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    return {"SKILLBRIDGE_ENV": "production", "SECRET_KEY": secrets.token_hex(32),
            "CERTIFICATE_SIGNING_KEY": pem,
            "CERTIFICATE_KEY_ID": f"sb-bench-{secrets.token_hex(3)}"}
