"""Subresource Integrity of every script the pages load from /static.

Computed once, when the application starts, from the files the server actually serves
(`vmre/web/static`): a page's `<script src=… integrity="{{ sri('name.js') }}"
crossorigin="anonymous">` then refuses to run a script that a cache, a CDN or a tampered disk
changed after start-up (docs/sivei.md §4)."""

from __future__ import annotations

import base64
import hashlib
from importlib import resources


def _digest(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def _compute() -> dict[str, str]:
    static = resources.files("vmre.web") / "static"
    return {p.name: _digest(p.read_bytes()) for p in static.iterdir()
            if p.is_file() and p.name.endswith(".js")}


SCRIPTS: dict[str, str] = _compute()


def sri(name: str) -> str:
    """The integrity value of a served script; an unknown name is a template error, seen at
    once, never a script loaded without integrity."""
    return SCRIPTS[name]
