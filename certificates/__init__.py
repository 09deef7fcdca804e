"""Certificates: issuing, signing, PDF rendering, QR, verification, revocation."""


def init_app(app) -> None:
    from certificates import models  # noqa: F401
