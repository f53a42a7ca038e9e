"""Time-based one-time codes (RFC 6238, pyotp): the second factor of voters and staff.

One place for the secret, the provisioning URI, its QR code and the check of a code, so
that both audiences get the same rules: 30-second steps, one step of clock drift either
way, and the step of the last accepted code kept so that no code is used twice."""

from __future__ import annotations

import base64
import hmac
import io

import pyotp
import qrcode
import qrcode.image.svg

ISSUER = "VMRE"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, name: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code or typed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=issuer)


def qr_data_uri(uri: str) -> str:
    """The provisioning URI as an SVG QR code in a data: URI (allowed by the page policy)."""
    out = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2).save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step (30 s) that `code` belongs to, one step of drift allowed; None if none."""
    totp = pyotp.TOTP(secret)
    step = int(at) // totp.interval
    code = code.strip()
    if not (code.isascii() and code.isdigit()):  # compare_digest refuses non-ASCII text
        return None
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None
