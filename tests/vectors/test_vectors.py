"""Shared ballot test vectors: Python reproduces them, they verify, and the JavaScript that
runs in the voter's browser produces the same bytes (node's own test runner)."""

from __future__ import annotations

import json
import subprocess

import make_vectors
import pytest
from jsenv import JS, need_node

from support.resign import sign_ballot
from vmre.crypto import credentials
from vmre.crypto.encoding import canonical_json
from vmre.voting import ballot as ballots


@pytest.fixture(scope="module")
def node() -> str:
    return need_node()


@pytest.fixture(scope="module")
def vectors() -> dict:
    return json.loads(make_vectors.PATH.read_text(encoding="utf-8"))


def test_vector_file_is_current(vectors):
    """Regenerating from the fixed inputs gives exactly the committed file."""
    assert make_vectors.render(make_vectors.build()) == make_vectors.PATH.read_text("utf-8")
    assert len(vectors["cases"]) == 3


def test_vectors_verify_and_reveal(vectors):
    ctx = make_vectors.context()
    assert ctx.to_json() == vectors["context"]
    for case in vectors["cases"]:
        parsed = ballots.parse_ballot(ctx, case["ballot"])
        ballots.verify_ballot(ctx, parsed, case["entity"])
        ballots.check_reveal(ctx, parsed, case["reveal"])
        assert canonical_json(case["ballot"]).decode() == case["ballot_canonical_json"]
        assert ballots.tracking_code(case["ballot"]) == case["tracking_code"]


def test_vectors_are_not_vacuous(vectors):
    """A flipped proof scalar or a changed selection in the reveal is refused."""
    ctx = make_vectors.context()
    case = vectors["cases"][0]
    bad = json.loads(json.dumps(case["ballot"]))
    proof = bad["contests"][0]["choices"][0]["proof"]
    proof[0], proof[1] = proof[1], proof[0]
    with pytest.raises(ballots.BallotError, match=r"^bad_signature$"):
        ballots.verify_ballot(ctx, ballots.parse_ballot(ctx, bad), case["entity"])
    key = credentials.signing_key(ctx.election_id, case["credential_secret"])
    with pytest.raises(ballots.BallotError, match=r"^bad_option_proof$"):  # re-signed
        ballots.verify_ballot(ctx, ballots.parse_ballot(ctx, sign_ballot(ctx, key, bad)),
                              case["entity"])
    wrong = {**case["reveal"], "selections": {**case["selections"], "gob-jal": "mc"}}
    with pytest.raises(ballots.BallotError, match="reveal_mismatch"):
        ballots.check_reveal(ctx, ballots.parse_ballot(ctx, case["ballot"]), wrong)


def test_node_suite(node):
    """node --test js/test: identical bytes for every vector, fresh ballots verify in JS."""
    run = subprocess.run([node, "--test", "test"], cwd=JS, capture_output=True, text=True,
                         timeout=180)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "# fail 0" in run.stdout


@pytest.mark.parametrize("index", [0, 2])
def test_browser_made_ballot_verifies_in_python(node, index):
    """A ballot the JavaScript encrypts with fresh randomness passes the board's checks."""
    run = subprocess.run([node, "tools/random-ballot.mjs", str(make_vectors.PATH), str(index)],
                         cwd=JS, capture_output=True, text=True, timeout=60, check=True)
    out = json.loads(run.stdout)
    ctx = make_vectors.context()
    case = make_vectors.CASES[index]
    parsed = ballots.parse_ballot(ctx, out["ballot"])
    ballots.verify_ballot(ctx, parsed, case["entity"])
    ballots.check_reveal(ctx, parsed, out["reveal"])
    assert ballots.tracking_code(out["ballot"]) != json.loads(
        make_vectors.PATH.read_text("utf-8"))["cases"][index]["tracking_code"]


def test_committed_bundle_is_the_build(node, tmp_path):
    """The committed static bundle is what esbuild makes from js/src (no stale copy)."""
    from importlib import resources

    out = tmp_path / "bundle.js"
    esbuild = JS / "node_modules" / ".bin" / "esbuild"
    cmd = json.loads((JS / "package.json").read_text())["scripts"]["build"].split()[1:]
    cmd = [str(esbuild), *[a for a in cmd if not a.startswith("--outfile=")], f"--outfile={out}"]
    subprocess.run(cmd, cwd=JS, check=True, capture_output=True, timeout=120)
    committed = (resources.files("vmre.web") / "static" / "vmre-ballot.js").read_bytes()
    assert out.read_bytes() == committed
