"""The conformance vectors (conformance/README.md) hold as their sidecars say.

Each vector names a record folder, the published fingerprint to check it against and, for a
tampered record, the exact checks (section and name) that must fail: `vmre verify` must pass
the honest ones and fail the tampered ones with those checks and no other.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vmre.cli import app, register_parts

ROOT = Path(__file__).resolve().parents[2] / "conformance"
VECTORS = sorted((ROOT / "vectors").glob("*.json"))
FAIL = re.compile(r"^FAIL §(\S+) (.+?) \[", re.MULTILINE)


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_vectors_cover_what_the_specification_promises():
    vectors = [_load(p) for p in VECTORS]
    honest = {v["name"] for v in vectors if v["expect"] == "pass"}
    assert {"single-all-present", "single-absent-custodian", "last-revote",
            "coalition-out-of-order", "postal-counts"} <= honest
    tampered = [v for v in vectors if v["expect"] == "fail"]
    assert len(tampered) >= 12 and all(v["failures"] and v["why"] for v in tampered)
    # every record folder is used by a vector, and every vector's record exists
    used = {v["record"] for v in vectors}
    assert used == {f"records/{p.name}" for p in (ROOT / "records").iterdir()}
    sections = {f["section"] for v in tampered for f in v["failures"]}
    spec = (ROOT.parent / "docs/record.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+ §(\d+(?:\.\d+)?)\b", spec, re.MULTILINE))
    assert sections <= headings


@pytest.mark.parametrize("path", VECTORS, ids=[p.stem for p in VECTORS])
def test_vector(path: Path):
    vector = _load(path)
    args = [str(ROOT / vector["record"]), "--fingerprint", vector["fingerprint"]]
    if vector.get("receipt"):
        args += ["--receipt", str(ROOT / vector["receipt"])]
    register_parts()
    result = CliRunner().invoke(app, ["verify", *args])
    if vector["expect"] == "pass":
        assert result.exit_code == 0, result.output
        assert "FAIL" not in result.output
        return
    assert result.exit_code == 1, result.output
    failed = set(FAIL.findall(result.output))
    assert failed == {(f["section"], f["check"]) for f in vector["failures"]}, result.output
