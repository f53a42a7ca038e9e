"""Every text the card, service and report parts name exists in the catalogue, in both
languages, and their templates respect the content security policy."""

from __future__ import annotations

import re
from pathlib import Path

import vmre
from vmre.core.messages import catalogue

PARTS = [Path(vmre.__file__).parent / part for part in ("cards", "service", "reports")]
LITERAL_KEY = re.compile(r"(?:\bt|\btext|UserError|bilingual)\(\s*f?[\"']"
                         r"((?:cards|service|reports)\.[a-z0-9_.]+)[\"']")


def _files(suffix: str):
    for part in PARTS:
        yield from part.rglob(f"*{suffix}")


def test_named_texts_exist():
    texts = catalogue()
    used = set()
    for path in [*_files(".py"), *_files(".html")]:
        used.update(k for k in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))
                    if not k.endswith("."))
    assert len(used) > 100
    missing = sorted(k for k in used if k not in texts)
    assert not missing, missing


def test_templates_have_no_inline_script_or_style():
    for path in _files(".html"):
        html = path.read_text(encoding="utf-8")
        assert "<script" not in html and "style=" not in html and "<style" not in html, path
        if path.name not in ("quarterly.html", "biweekly.html") and not path.name.startswith("_"):
            assert '{% extends "base.html" %}' in html, path
