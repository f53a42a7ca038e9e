"""The registry's issuer key: the scalar that signs the public credential list.

Kept in a JSON file, encrypted under a passphrase: Argon2id (libsodium crypto_pwhash)
derives a key that seals the scalar with XSalsa20-Poly1305 (crypto_secretbox). The
public key is stored in clear beside it so anyone can check which key signed a list.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pysodium

from vmre.core.messages import UserError
from vmre.crypto.group import base_mul, random_scalar, scalar_bytes, scalar_from_bytes

FORMAT = "vmre/registry-issuer-key/v1"


def _derive(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    return pysodium.crypto_pwhash(pysodium.crypto_secretbox_KEYBYTES, passphrase.encode(), salt,
                                  ops, mem, pysodium.crypto_pwhash_ALG_ARGON2ID13)


def create(path: Path, passphrase: str, *, interactive: bool = False) -> int:
    """A new issuer scalar, written encrypted to `path` (which must not exist)."""
    if len(passphrase) < 12:
        raise UserError("registry.issuer.weak_passphrase")
    if path.exists():
        raise UserError("registry.issuer.exists", path=str(path))
    ops = pysodium.crypto_pwhash_OPSLIMIT_INTERACTIVE if interactive else \
        pysodium.crypto_pwhash_OPSLIMIT_MODERATE
    mem = pysodium.crypto_pwhash_MEMLIMIT_INTERACTIVE if interactive else \
        pysodium.crypto_pwhash_MEMLIMIT_MODERATE
    secret = random_scalar()
    salt = os.urandom(pysodium.crypto_pwhash_SALTBYTES)
    nonce = os.urandom(pysodium.crypto_secretbox_NONCEBYTES)
    key = _derive(passphrase, salt, ops, mem)
    box = pysodium.crypto_secretbox(scalar_bytes(secret), nonce, key)
    doc = {"format": FORMAT, "public": base_mul(secret).hex(), "kdf": "argon2id13",
           "opslimit": ops, "memlimit": mem, "salt": salt.hex(), "nonce": nonce.hex(),
           "box": box.hex()}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(doc, out, indent=2)
    return secret


def load(path: Path, passphrase: str) -> int:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        salt, nonce, box = (bytes.fromhex(doc[k]) for k in ("salt", "nonce", "box"))
        ops, mem = int(doc["opslimit"]), int(doc["memlimit"])
    except FileNotFoundError:
        raise UserError("core.file.not_found", path=str(path)) from None
    except (ValueError, KeyError, TypeError):
        raise UserError("registry.issuer.unreadable", path=str(path)) from None
    try:
        secret_bytes = pysodium.crypto_secretbox_open(box, nonce, _derive(passphrase, salt, ops,
                                                                          mem))
    except ValueError:  # the authenticator does not match: wrong passphrase (or tampering)
        raise UserError("registry.issuer.wrong_passphrase") from None
    secret = scalar_from_bytes(secret_bytes)
    if base_mul(secret).hex() != doc["public"]:
        raise UserError("registry.issuer.unreadable", path=str(path))
    return secret
