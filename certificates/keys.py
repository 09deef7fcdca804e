"""Ed25519 signing keys, kept outside the database.

Development and tests: `<instance>/certificate_keys/` (generated when missing): `<kid>.key`
(private, PEM, mode 600) for the active key, `<kid>.pub` for every key ever used, `active`
naming the current one. Production may instead set CERTIFICATE_SIGNING_KEY (PEM) and
CERTIFICATE_KEY_ID; the folder's public keys still verify older certificates.
`flask certificates keygen` rotates: a new active key, old public keys kept, old private
keys removed (they are never needed again).

Beside each Ed25519 key lives an RSA key `<kid>-rsa` (1EdTech requires RS256 for VC-JWTs;
EdDSA is offered too). Production may set CERTIFICATE_RSA_SIGNING_KEY (PEM) for it.
"""

import base64
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
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
    rsa_id: str | None = None
    rsa_private: rsa.RSAPrivateKey | None = None
    rsa_public: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)

    def signing_key(self) -> tuple[str, Ed25519PrivateKey]:
        if self.private is None or self.active_id is None:
            raise KeyError_("No certificate signing key: run `flask certificates keygen` or set "
                            "CERTIFICATE_SIGNING_KEY and CERTIFICATE_KEY_ID.")
        return self.active_id, self.private

    def rsa_signing_key(self) -> tuple[str, rsa.RSAPrivateKey]:
        if self.rsa_private is None or self.rsa_id is None:
            raise KeyError_("No RSA signing key for credentials: run `flask certificates "
                            "keygen` or set CERTIFICATE_RSA_SIGNING_KEY.")
        return self.rsa_id, self.rsa_private

    def jwks(self, base_url: str = "") -> dict:
        """Ed25519 keys under their plain kid (payload signatures in PDFs and QR codes) and,
        for VC-JWTs, every key again under its resolvable URL kid (`jwk_url`)."""
        keys = [okp_jwk(kid, pub) for kid, pub in sorted(self.public.items())]
        if base_url:
            keys += [okp_jwk(jwk_url(base_url, kid), pub)
                     for kid, pub in sorted(self.public.items())]
            keys += [rsa_jwk(jwk_url(base_url, kid), pub)
                     for kid, pub in sorted(self.rsa_public.items())]
        return {"keys": keys}


JWKS_PATH = "/.well-known/skillbridge-keys.json"


def jwk_url(base_url: str, kid: str) -> str:
    """The `kid` of a VC-JWT: the JWKS URL with the key's id as fragment (did:web style)."""
    return f"{base_url.rstrip('/')}{JWKS_PATH}#{kid}"


def okp_jwk(kid: str, pub: Ed25519PublicKey) -> dict:
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(public_raw(pub)), "kid": kid,
            "use": "sig", "alg": "EdDSA"}


def _uint(value: int) -> str:
    return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def rsa_jwk(kid: str, pub: rsa.RSAPublicKey) -> dict:
    numbers = pub.public_numbers()
    return {"kty": "RSA", "n": _uint(numbers.n), "e": _uint(numbers.e), "kid": kid,
            "use": "sig", "alg": "RS256"}


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
    _write_rsa(directory, kid)
    tmp = directory / "active.tmp"
    tmp.write_text(kid)
    tmp.replace(directory / "active")  # atomic switch
    for old in directory.glob("*.key"):
        if old not in (key_path, directory / f"{kid}-rsa.key"):
            old.unlink()
    return kid


def _write_rsa(directory: Path, kid: str) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    fd = os.open(directory / f"{kid}-rsa.key", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(private.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    (directory / f"{kid}-rsa.pub").write_bytes(private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


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
        rsa_pem = (os.environ.get("CERTIFICATE_RSA_SIGNING_KEY")
                   or app.config.get("CERTIFICATE_RSA_SIGNING_KEY"))
        if rsa_pem:
            store.rsa_private = serialization.load_pem_private_key(rsa_pem.encode(), None)
            store.rsa_id = f"{kid}-rsa"
    elif create and not (directory / "active").exists():
        generate(directory)
    elif create and (directory / "active").exists():
        kid = (directory / "active").read_text().strip()
        if (directory / f"{kid}.key").exists() and not (directory / f"{kid}-rsa.key").exists():
            _write_rsa(directory, kid)  # a key folder from before RS256 credentials
    if directory.exists():
        for pub in directory.glob("*.pub"):
            key = serialization.load_pem_public_key(pub.read_bytes())
            target = store.rsa_public if isinstance(key, rsa.RSAPublicKey) else store.public
            target[pub.stem] = key
        active = directory / "active"
        if store.private is None and active.exists():
            kid = active.read_text().strip()
            key_path = directory / f"{kid}.key"
            if key_path.exists():
                store.private = serialization.load_pem_private_key(key_path.read_bytes(), None)
                store.active_id = kid
            rsa_path = directory / f"{kid}-rsa.key"
            if rsa_path.exists():
                store.rsa_private = serialization.load_pem_private_key(rsa_path.read_bytes(),
                                                                       None)
                store.rsa_id = f"{kid}-rsa"
    if store.private is not None:
        store.public[store.active_id] = store.private.public_key()
    if store.rsa_private is not None:
        store.rsa_public[store.rsa_id] = store.rsa_private.public_key()
    return store
