"""Secrets at rest and in transit, with libsodium only.

- `seal_with_passphrase` / `open_with_passphrase`: Argon2id key derivation, then
  XChaCha20-Poly1305; the KDF parameters travel with the ciphertext.
- `box_keypair` / `seal_to` / `open_sealed`: anonymous public-key encryption (X25519 sealed
  boxes) for the ceremony's shares between custodians.
"""

from __future__ import annotations

import os

import pysodium

from vmre.core.messages import UserError

OPS = pysodium.crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE
MEM = pysodium.crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE
FORMAT = "vmre-sealed-v1"


def _key(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    return pysodium.crypto_pwhash(
        pysodium.crypto_aead_xchacha20poly1305_ietf_KEYBYTES, passphrase.encode("utf-8"), salt,
        ops, mem, pysodium.crypto_pwhash_ALG_ARGON2ID13)


def seal_with_passphrase(plaintext: bytes, passphrase: str, label: str) -> dict:
    if len(passphrase) < 8:
        raise UserError("voting.ceremony.weak_passphrase")
    salt = os.urandom(pysodium.crypto_pwhash_SALTBYTES)
    nonce = os.urandom(pysodium.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES)
    key = _key(passphrase, salt, OPS, MEM)
    ct = pysodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, label.encode(), nonce, key)
    return {"format": FORMAT, "kdf": "argon2id", "ops": OPS, "mem": MEM, "label": label,
            "salt": salt.hex(), "nonce": nonce.hex(), "ciphertext": ct.hex()}


def open_with_passphrase(sealed: dict, passphrase: str) -> bytes:
    try:
        if sealed.get("format") != FORMAT:
            raise ValueError(sealed.get("format"))
        key = _key(passphrase, bytes.fromhex(sealed["salt"]), int(sealed["ops"]),
                   int(sealed["mem"]))
        return pysodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
            bytes.fromhex(sealed["ciphertext"]), sealed["label"].encode(),
            bytes.fromhex(sealed["nonce"]), key)
    except (ValueError, KeyError, TypeError):
        raise UserError("voting.ceremony.wrong_passphrase") from None


def box_keypair() -> tuple[bytes, bytes]:
    """(public, secret) X25519 keys for receiving shares."""
    return pysodium.crypto_box_keypair()


def seal_to(recipient_public: bytes, plaintext: bytes) -> bytes:
    return pysodium.crypto_box_seal(plaintext, recipient_public)


def open_sealed(public: bytes, secret: bytes, sealed: bytes) -> bytes | None:
    try:
        return pysodium.crypto_box_seal_open(sealed, public, secret)
    except ValueError:
        return None

