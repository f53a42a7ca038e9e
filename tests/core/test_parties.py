"""The parties a representative's account may speak for are the parties the project's
manifests put on a ballot: the same short names and the same names."""

from __future__ import annotations

from pathlib import Path

import yaml

from vmre.core.parties import PARTIES

ROOT = Path(__file__).resolve().parents[2]


def test_the_catalogue_of_parties_is_the_manifests_parties():
    catalogue = {(p.id, p.name) for p in PARTIES}
    for manifest in (ROOT / "docs/examples/manifest.yaml",
                     ROOT / "src/vmre/simulacro/manifest-pel.yaml"):
        parties = yaml.safe_load(manifest.read_text(encoding="utf-8"))["parties"]
        assert {(p["short"], p["name"]) for p in parties} == catalogue, manifest
