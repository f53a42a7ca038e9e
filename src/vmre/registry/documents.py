"""Uploaded documents (card images, proof of address), stored on disk by content hash.

The name a citizen's browser sends is never used: the file is kept as
`<root>/<sha256[:2]>/<sha256>` and its type is decided by its first bytes, not by the
extension or the declared content type.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

from vmre.core.messages import UserError

MAX_BYTES_DEFAULT = 5 * 1024 * 1024

# Magic numbers of the accepted formats.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)


EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}


def kind_of(sha256: str, root: Path | None = None) -> str | None:
    """The stored document's type, read from its first bytes (None if it is not there)."""
    path = path_of(sha256, root)
    if path is None:
        return None
    with path.open("rb") as f:
        return sniff(f.read(8))


def upload_root() -> Path:
    return Path(os.environ.get("VMRE_UPLOAD_DIR", "vmre-uploads"))


def max_bytes() -> int:
    return int(os.environ.get("VMRE_UPLOAD_MAX_BYTES", MAX_BYTES_DEFAULT))


def sniff(data: bytes) -> str | None:
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return kind
    return None


@dataclass(frozen=True)
class Stored:
    sha256: str
    content_type: str
    size: int


def check(data: bytes, field: str, allow_pdf: bool = True) -> str:
    """The detected content type, or a UserError naming the field."""
    if not data:
        raise UserError("registry.field.file_missing", field=field)
    if len(data) > max_bytes():
        raise UserError("registry.field.file_too_large", mb=max_bytes() // (1024 * 1024))
    kind = sniff(data)
    if kind is None or (kind == "application/pdf" and not allow_pdf):
        raise UserError("registry.field.file_type")
    return kind


_folders: set[str] = set()  # folders known to exist: no mkdir per upload
_counter = itertools.count()


def store(data: bytes, root: Path | None = None) -> Stored:
    """Write once (same content, same file): written under a temporary name unique to this
    process and thread, then renamed into place (atomic), so a reader never sees part of a
    file. A few system calls per new file; one `stat` when the file is already stored."""
    kind = sniff(data) or "application/octet-stream"
    digest = hashlib.sha256(data).hexdigest()
    folder = os.path.join(root or upload_root(), digest[:2])
    target = os.path.join(folder, digest)
    if os.path.exists(target):
        return Stored(digest, kind, len(data))
    if folder not in _folders:
        os.makedirs(folder, exist_ok=True)
        _folders.add(folder)
    tmp = os.path.join(folder, f".{digest[:16]}.{os.getpid()}.{next(_counter)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileNotFoundError:  # the folder was removed since: make it again
        os.makedirs(folder, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    os.replace(tmp, target)
    return Stored(digest, kind, len(data))


def path_of(sha256: str, root: Path | None = None) -> Path | None:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None  # never build a path from anything but a hash
    target = (root or upload_root()) / sha256[:2] / sha256
    return target if target.is_file() else None


def prune(referenced: set[str], older_than_seconds: float, root: Path | None = None,
          now: float | None = None) -> int:
    """Delete stored files no request refers to (kept from forms never completed) once they
    are older than `older_than_seconds`; returns how many were deleted."""
    import time

    base = root or upload_root()
    if not base.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - older_than_seconds
    removed = 0
    for folder in base.iterdir():
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for item in folder.iterdir():
            if item.name in referenced or len(item.name) != 64:
                continue  # in use, or not one of ours (temporary files are left alone)
            if item.stat().st_mtime < limit:
                item.unlink()
                removed += 1
    return removed
