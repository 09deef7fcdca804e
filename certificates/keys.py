"""Ed25519 signing keys, kept outside the database.

Development and tests: `<instance>/certificate_keys/` (generated when missing): `<kid>.key`
(private, PEM, mode 600) for the active key, `<kid>.pub` for every key ever used, `active`
naming the current one. Production may instead set CERTIFICATE_SIGNING_KEY (PEM) and
CERTIFICATE_KEY_ID; the folder's public keys still verify older certificates.
`flask certificates keygen` rotates: a new active key, old public keys kept, old private
keys removed (they are never needed again).
"""

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from core.timeutil import now_utc


class KeyError_(RuntimeError):
    """No usable signing key (production without a configured key)."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@dataclass
class KeyStore:
    active_id: str | None = None
    private: Ed25519PrivateKey | None = None
    public: dict[str, Ed25519PublicKey] = field(default_factory=dict)

    def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        if self.private is None or self.active_id is None:
            raise KeyError_("No certificate signing key: run `flask certificates keygen` or set "
                            "CERTIFICATE_SIGNING_KEY and CERTIFICATE_KEY_ID.")
        return self.active_id, self.private

    def jwks(self) -> dict:
        keys = [{"kty": "OKP", "crv": "Ed25519", "x": b64url(public_raw(pub)), "kid": kid,
                 "use": "sig", "alg": "EdDSA"} for kid, pub in sorted(self.public.items())]
        return {"keys": keys}


def key_dir(app) -> Path:
    return Path(app.config.get("CERTIFICATE_KEY_DIR")
                or Path(app.instance_path) / "certificate_keys")


def new_key_id() -> str:
    return f"sb-{now_utc():%Y%m%d}-{secrets.token_hex(3)}"


def generate(directory: Path) -> str:
    """Create a new active key in `directory`; keep old public keys, drop old private ones."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    kid = new_key_id()
    private = Ed25519PrivateKey.generate()
    key_path = directory / f"{kid}.key"
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    (directory / f"{kid}.pub").write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    tmp = directory / "active.tmp"
    tmp.write_text(kid)
    tmp.replace(directory / "active")  # atomic switch
    for old in directory.glob("*.key"):
        if old != key_path:
            old.unlink()
    return kid


def load(app, create: bool) -> KeyStore:
    """Read the keys (generating a first key when `create` and none exists)."""
    directory = key_dir(app)
    store = KeyStore()
    pem = os.environ.get("CERTIFICATE_SIGNING_KEY") or app.config.get("CERTIFICATE_SIGNING_KEY")
    if pem:
        kid = (os.environ.get("CERTIFICATE_KEY_ID") or app.config.get("CERTIFICATE_KEY_ID")
               or "sb-env")
        store.private = serialization.load_pem_private_key(pem.encode(), password=None)
        store.active_id = kid
    elif create and not (directory / "active").exists():
        generate(directory)
    if directory.exists():
        for pub in directory.glob("*.pub"):
            store.public[pub.stem] = serialization.load_pem_public_key(pub.read_bytes())
        active = directory / "active"
        if store.private is None and active.exists():
            kid = active.read_text().strip()
            key_path = directory / f"{kid}.key"
            if key_path.exists():
                store.private = serialization.load_pem_private_key(key_path.read_bytes(), None)
                store.active_id = kid
    if store.private is not None:
        store.public[store.active_id] = store.private.public_key()
    return store
