"""Files and folders that appear whole or not at all.

A step that writes its output in place and is killed half-way leaves a torn file under the
real name (half an aggregate, a record folder without its results), which the next reader
takes for the real thing. Here the output is written under a temporary name beside its
target, flushed to disk, and then renamed over the target in one step (`os.replace`, atomic
on POSIX within a file system): a reader sees the previous version or the new one, never a
mixture. Running the step again overwrites whatever temporary file a killed run left.

One writer per target at a time: the temporary names are fixed (`.NAME.partial`), so that a
run after a crash takes over what the crashed run left instead of piling up leftovers.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vmre.core import crashpoint


def partial_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.partial")


def _sync_folder(folder: Path) -> None:
    """Make a rename inside `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_bytes(target: str | Path, data: bytes) -> Path:
    """`data` under `target`, replacing any earlier version at once."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = partial_name(target)
    half = len(data) // 2
    with open(tmp, "wb") as fh:
        fh.write(data[:half])
        fh.flush()
        crashpoint.reached(f"write:{target.name}")
        fh.write(data[half:])
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    _sync_folder(target.parent)
    return target


def write_text(target: str | Path, text: str) -> Path:
    """`text` (UTF-8) under `target`, replacing any earlier version at once."""
    return write_bytes(target, text.encode("utf-8"))


def _sync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
    for path in sorted(p for p in folder.rglob("*") if p.is_dir()):
        _sync_folder(path)
    _sync_folder(folder)


@contextmanager
def folder(target: str | Path) -> Iterator[Path]:
    """Build a folder under its temporary name (yielded); when the block ends without an
    error, the folder takes `target`'s place and the earlier version is removed. On an error
    the partial folder is removed and `target` is left as it was."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = partial_name(target)
    if partial.exists():  # what a killed run left
        shutil.rmtree(partial)
    partial.mkdir()
    try:
        yield partial
        _sync_tree(partial)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    old = target.with_name(f".{target.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)  # a folder cannot be renamed over a non-empty one
    os.replace(partial, target)
    _sync_folder(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def archive(source: str | Path, target: str | Path) -> Path:
    """A zip of `source`'s files at `target`, replacing any earlier version at once."""
    source, target = Path(source), Path(target)
    base = partial_name(target)
    built = Path(shutil.make_archive(str(base), "zip", root_dir=source))  # base + ".zip"
    with open(built, "rb") as fh:
        os.fsync(fh.fileno())
    crashpoint.reached(f"write:{target.name}")
    os.replace(built, target)
    _sync_folder(target.parent)
    return target
