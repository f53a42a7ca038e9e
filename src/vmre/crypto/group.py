"""The ristretto255 prime-order group, through libsodium (pysodium).

Scalars are Python ints reduced mod L. Points are immutable 32-byte encodings. libsodium
refuses the zero scalar and the identity point in scalar multiplication, so those cases are
handled here; every point from outside is validated on decoding.
"""

from __future__ import annotations

import ctypes
import hashlib
import secrets
import threading
from dataclasses import dataclass

import pysodium

# The hot path calls libsodium through pysodium's own library handle, skipping the wrappers'
# per-call version checks; results are the same functions' (checked in tests/crypto).
_lib = pysodium.sodium
_local = threading.local()  # one output buffer per thread: no allocation per operation


def _out() -> ctypes.Array:
    buf = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = ctypes.create_string_buffer(32)
    return buf


def _scalarmult(k: bytes, p: bytes) -> bytes:
    out = _out()
    if _lib.crypto_scalarmult_ristretto255(out, k, p) != 0:
        raise GroupError("scalar multiplication failed")
    return out.raw


def _scalarmult_base(k: bytes) -> bytes:
    out = _out()
    if _lib.crypto_scalarmult_ristretto255_base(out, k) != 0:
        raise GroupError("scalar multiplication failed")
    return out.raw


def _add(p: bytes, q: bytes) -> bytes:
    out = _out()
    if _lib.crypto_core_ristretto255_add(out, p, q) != 0:
        raise GroupError("point addition failed")
    return out.raw


def _sub(p: bytes, q: bytes) -> bytes:
    out = _out()
    if _lib.crypto_core_ristretto255_sub(out, p, q) != 0:
        raise GroupError("point subtraction failed")
    return out.raw


L = 2**252 + 27742317777372353535851937790883648493  # group order
POINT_BYTES = 32
SCALAR_BYTES = 32
_IDENTITY = bytes(32)


class GroupError(ValueError):
    """An encoding that is not a valid group element or canonical scalar."""


@dataclass(frozen=True, slots=True)
class Point:
    data: bytes

    def __add__(self, other: Point) -> Point:
        return Point(_add(self.data, other.data))

    def __sub__(self, other: Point) -> Point:
        return Point(_sub(self.data, other.data))

    def __mul__(self, scalar: int) -> Point:
        k = scalar % L
        if k == 0 or self.data == _IDENTITY:
            return IDENTITY
        return Point(_scalarmult(k.to_bytes(32, "little"), self.data))

    __rmul__ = __mul__

    def __neg__(self) -> Point:
        return Point(_sub(_IDENTITY, self.data))

    def hex(self) -> str:
        return self.data.hex()

    @property
    def is_identity(self) -> bool:
        return self.data == _IDENTITY


IDENTITY = Point(_IDENTITY)
G = Point(pysodium.crypto_scalarmult_ristretto255_base((1).to_bytes(32, "little")))


def base_mul(scalar: int) -> Point:
    """scalar · G (the identity for 0)."""
    k = scalar % L
    if k == 0:
        return IDENTITY
    return Point(_scalarmult_base(k.to_bytes(32, "little")))


def scalar_bytes(k: int) -> bytes:
    return (k % L).to_bytes(SCALAR_BYTES, "little")


def scalar_from_bytes(data: bytes) -> int:
    """A canonical scalar (< L); anything else is refused."""
    if len(data) != SCALAR_BYTES:
        raise GroupError("scalar must be 32 bytes")
    k = int.from_bytes(data, "little")
    if k >= L:
        raise GroupError("scalar is not reduced")
    return k


def _canonical_hex(text: str) -> bytes:
    """64 lower-case hex digits only: one spelling per value, so no byte can change unseen."""
    if not isinstance(text, str) or len(text) != 64 or text != text.lower():
        raise GroupError("expected 64 lower-case hex digits")
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise GroupError("expected 64 lower-case hex digits") from None


def scalar_from_hex(text: str) -> int:
    return scalar_from_bytes(_canonical_hex(text))


def point_from_bytes(data: bytes, allow_identity: bool = False) -> Point:
    """A point from outside: must be a canonical ristretto255 encoding."""
    if len(data) != POINT_BYTES:
        raise GroupError("point must be 32 bytes")
    if data == _IDENTITY:
        if allow_identity:
            return IDENTITY
        raise GroupError("identity point not allowed here")
    # libsodium 1.0.18 (Debian 12) ignores the unused top bit: without this, every point
    # would have a second spelling that decodes to it (later libsodium refuses it too).
    if data[31] & 0x80 or _lib.crypto_core_ristretto255_is_valid_point(data) != 1:
        raise GroupError("not a valid ristretto255 point")
    return Point(data)


def point_from_hex(text: str, allow_identity: bool = False) -> Point:
    return point_from_bytes(_canonical_hex(text), allow_identity)


def random_scalar() -> int:
    """A uniformly random non-zero scalar from the OS generator."""
    while True:
        k = int.from_bytes(secrets.token_bytes(64), "little") % L
        if k:
            return k


def _encode_part(part: object) -> bytes:
    kind = type(part)
    if kind is Point:
        return _LEN32 + part.data  # type: ignore[union-attr]
    if kind is int and 0 <= part < L:  # type: ignore[operator]
        return _LEN32 + part.to_bytes(32, "little")  # type: ignore[union-attr]
    if isinstance(part, bytes):
        raw = part
    elif isinstance(part, str):
        raw = part.encode("utf-8")
    elif isinstance(part, bool):
        raise TypeError("booleans are not hashed; encode them explicitly")
    elif isinstance(part, int):
        raw = scalar_bytes(part) if 0 <= part < L else part.to_bytes(32, "little", signed=True)
    else:
        raise TypeError(f"cannot hash {type(part).__name__}")
    return len(raw).to_bytes(4, "big") + raw


_LEN32 = (32).to_bytes(4, "big")


def hash_parts(tag: str, *parts: object) -> bytes:
    """SHA-512 over the tag and each part, every one prefixed by its 4-byte length."""
    h = hashlib.sha512()
    h.update(_encode_part(tag))
    for part in parts:
        if isinstance(part, list | tuple):
            h.update(len(part).to_bytes(4, "big"))
            for item in part:
                h.update(_encode_part(item))
        else:
            h.update(_encode_part(part))
    return h.digest()


def hash_to_scalar(tag: str, *parts: object) -> int:
    """Fiat–Shamir challenges and derived keys: 64 hash bytes reduced mod L."""
    return int.from_bytes(hash_parts(tag, *parts), "little") % L

