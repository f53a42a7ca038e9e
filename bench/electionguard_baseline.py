#!/usr/bin/env python3
"""Baseline timings from ElectionGuard's Python reference package (PyPI ``electionguard==1.4.0``).

Ballot style: 3 contests with 10, 6 and 4 selections, vote for exactly one in each.

Measured:
  * encrypt_ms      mean time to encrypt one plaintext ballot, proofs included (``encrypt_ballot``)
  * verify_ms       mean time to check every selection's disjunctive proof and every contest's
                    constant proof of one ballot (``CiphertextBallot.is_valid_encryption``)
  * tally_decrypt_s time to decrypt a tally with 5 guardians, quorum 3 and 2 guardians missing
                    (compensated decryption through ``DecryptionMediator``)

``electionguard`` 1.4.0 only imports on Python <= 3.10. When started with a newer interpreter the
script creates ``bench/.electionguard-venv`` once (Python 3.10 + the pinned package) and
re-executes itself there. The last stdout line is a single JSON object.

Usage: python bench/electionguard_baseline.py [--ballots N]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from electionguard.guardian import Guardian

EG_REQUIREMENT = "electionguard==1.4.0"
PYENV_PY310 = "/root/.pyenv/versions/3.10.13/bin/python3.10"
VENV_DIR = Path(__file__).resolve().parent / ".electionguard-venv"
VENV_MARKER = VENV_DIR / ".installed-electionguard-1.4.0"
REEXEC_ENV = "ELECTIONGUARD_BASELINE_REEXEC"

OPTIONS: tuple[int, ...] = (10, 6, 4)
GUARDIANS = 5
QUORUM = 3
PRESENT = 3
STYLE_ID = "style-1"
DISTRICT_ID = "district-1"

# electionguard 1.4.0 declares Requires-Python >=3.9.5 and fails to import on 3.11+
MIN_PY = (3, 9, 5)
MAX_PY = (3, 10)


# ---------------------------------------------------------------------------
# Bootstrap: find Python <= 3.10, build the venv once, re-execute inside it
# ---------------------------------------------------------------------------


def _supported(version: tuple[int, ...]) -> bool:
    return tuple(version[:3]) >= MIN_PY and tuple(version[:2]) <= MAX_PY


def _probe_version(python: str) -> tuple[int, ...] | None:
    """Return the interpreter's version triple, or None if it cannot be run."""
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:3])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout
        return tuple(int(part) for part in out.split())
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _find_base_python() -> str | None:
    """First usable interpreter: this one, the pyenv 3.10 build, python3.10/3.9 on PATH."""
    if _supported(sys.version_info):
        return sys.executable
    candidates: list[str] = []
    if os.access(PYENV_PY310, os.X_OK):
        candidates.append(PYENV_PY310)
    for name in ("python3.10", "python3.9"):
        found = shutil.which(name)
        if found:
            candidates.append(found)
    for candidate in candidates:
        version = _probe_version(candidate)
        if version is not None and _supported(version):
            return candidate
    return None


def _venv_python() -> Path:
    return VENV_DIR / "bin" / "python"


def _ensure_venv() -> Path:
    """Create the venv and install the pinned package unless already done; return its python."""
    venv_python = _venv_python()
    if venv_python.exists() and VENV_MARKER.exists():
        return venv_python
    base = _find_base_python()
    if base is None:
        print(
            "error: electionguard 1.4.0 needs Python >=3.9.5,<=3.10 and none was found "
            f"(looked at {sys.executable}, {PYENV_PY310}, python3.10 and python3.9 on PATH).",
            file=sys.stderr,
        )
        sys.exit(3)
    log = sys.stderr
    if not venv_python.exists():
        print(f"[bootstrap] creating {VENV_DIR} with {base}", file=log, flush=True)
        subprocess.run([base, "-m", "venv", str(VENV_DIR)], check=True, stdout=log)
        # keep the environment out of version control
        (VENV_DIR / ".gitignore").write_text("*\n")
    print(f"[bootstrap] pip install {EG_REQUIREMENT} into {VENV_DIR}", file=log, flush=True)
    subprocess.run(
        [str(venv_python), "-m", "pip", "install", "--disable-pip-version-check", EG_REQUIREMENT],
        check=True,
        stdout=log,
    )
    VENV_MARKER.write_text(EG_REQUIREMENT + "\n")
    return venv_python


def _bootstrap_if_needed() -> None:
    """Re-execute under the venv interpreter unless electionguard can be imported here."""
    if _supported(sys.version_info) and importlib.util.find_spec("electionguard") is not None:
        return
    if os.environ.get(REEXEC_ENV):
        print(
            f"error: {sys.executable} (Python {sys.version.split()[0]}) cannot import "
            f"electionguard; delete {VENV_DIR} and retry.",
            file=sys.stderr,
        )
        sys.exit(3)
    venv_python = _ensure_venv()
    env = dict(os.environ, **{REEXEC_ENV: "1"})
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(
        str(venv_python),
        [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]],
        env,
    )


# ---------------------------------------------------------------------------
# Benchmark (runs on Python <= 3.10 with electionguard importable)
# ---------------------------------------------------------------------------


def _quiet_package_logs() -> None:
    """The package logs INFO to stdout; keep only warnings, and send them to stderr."""
    import logging

    from electionguard.logs import log_add_handler, log_handlers, log_remove_handler

    for handler in list(log_handlers()):
        log_remove_handler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    log_add_handler(handler)


def _build_manifest() -> Any:
    """One ballot style, contests of 10/6/4 candidates, 1-of-m each."""
    from datetime import datetime

    from electionguard.manifest import (
        BallotStyle,
        Candidate,
        CandidateContestDescription,
        ElectionType,
        GeopoliticalUnit,
        Manifest,
        ReportingUnitType,
        SelectionDescription,
        SpecVersion,
        VoteVariationType,
    )

    candidates: list[Candidate] = []
    contests: list[CandidateContestDescription] = []
    for c_idx, n_options in enumerate(OPTIONS):
        selections: list[SelectionDescription] = []
        for s_idx in range(n_options):
            candidate_id = f"contest-{c_idx}-candidate-{s_idx}"
            candidates.append(Candidate(candidate_id))
            selections.append(
                SelectionDescription(f"contest-{c_idx}-selection-{s_idx}", s_idx, candidate_id)
            )
        contests.append(
            CandidateContestDescription(
                object_id=f"contest-{c_idx}",
                sequence_order=c_idx,
                electoral_district_id=DISTRICT_ID,
                vote_variation=VoteVariationType.one_of_m,
                number_elected=1,
                votes_allowed=1,
                name=f"Contest {c_idx}",
                ballot_selections=selections,
            )
        )
    manifest = Manifest(
        election_scope_id="bench-baseline",
        spec_version=SpecVersion.EG1_0,
        type=ElectionType.general,
        start_date=datetime(2026, 11, 3, 8, 0, 0),
        end_date=datetime(2026, 11, 3, 20, 0, 0),
        geopolitical_units=[GeopoliticalUnit(DISTRICT_ID, "District 1", ReportingUnitType.county)],
        parties=[],
        candidates=candidates,
        contests=contests,
        ballot_styles=[BallotStyle(STYLE_ID, geopolitical_unit_ids=[DISTRICT_ID])],
    )
    if not manifest.is_valid():
        raise RuntimeError("manifest failed validation")
    return manifest


def _key_ceremony() -> tuple[list[Guardian], Any]:
    """Run rounds 1-3 of the key ceremony through KeyCeremonyMediator; return guardians + key."""
    from electionguard.guardian import Guardian
    from electionguard.key_ceremony import CeremonyDetails
    from electionguard.key_ceremony_mediator import KeyCeremonyMediator
    from electionguard.utils import get_optional

    details = CeremonyDetails(GUARDIANS, QUORUM)
    guardians = [
        Guardian.from_nonce(f"guardian-{i}", i, GUARDIANS, QUORUM) for i in range(1, GUARDIANS + 1)
    ]
    mediator = KeyCeremonyMediator("bench-key-ceremony", details)

    # Round 1: announce and exchange public keys
    for guardian in guardians:
        mediator.announce(guardian.share_key())
    for guardian in guardians:
        for key in get_optional(mediator.share_announced(guardian.id)):
            guardian.save_guardian_key(key)

    # Round 2: partial key backups
    for guardian in guardians:
        guardian.generate_election_partial_key_backups()
        mediator.receive_backups(guardian.share_election_partial_key_backups())
    for guardian in guardians:
        for backup in get_optional(mediator.share_backups(guardian.id)):
            guardian.save_election_partial_key_backup(backup)

    # Round 3: verify backups
    for guardian in guardians:
        verifications = [
            get_optional(guardian.verify_election_partial_key_backup(other.id))
            for other in guardians
            if other.id != guardian.id
        ]
        mediator.receive_backup_verifications(verifications)

    joint_key = mediator.publish_joint_key()
    if joint_key is None:
        raise RuntimeError("key ceremony failed: backups not all verified")
    return guardians, joint_key


def _plaintext_ballot(index: int) -> Any:
    """Ballot `index` votes for option (index mod n) in every contest."""
    from electionguard.ballot import (
        PlaintextBallot,
        PlaintextBallotContest,
        PlaintextBallotSelection,
    )

    contests = [
        PlaintextBallotContest(
            f"contest-{c_idx}",
            [PlaintextBallotSelection(f"contest-{c_idx}-selection-{index % n_options}", 1)],
        )
        for c_idx, n_options in enumerate(OPTIONS)
    ]
    return PlaintextBallot(f"ballot-{index}", STYLE_ID, contests)


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def run(n_ballots: int) -> dict[str, Any]:
    from electionguard.ballot_box import BallotBox
    from electionguard.data_store import DataStore
    from electionguard.decryption_mediator import DecryptionMediator
    from electionguard.election import make_ciphertext_election_context
    from electionguard.encrypt import EncryptionDevice, encrypt_ballot, generate_device_uuid
    from electionguard.manifest import InternalManifest
    from electionguard.tally import tally_ballots
    from electionguard.utils import get_optional

    _quiet_package_logs()
    print(
        f"ElectionGuard 1.4.0 baseline on Python {sys.version.split()[0]}: "
        f"options={list(OPTIONS)} guardians={GUARDIANS} quorum={QUORUM} present={PRESENT} "
        f"ballots={n_ballots}",
        flush=True,
    )

    # Election setup (untimed for the JSON, reported for context)
    manifest = _build_manifest()
    t0 = time.perf_counter()
    guardians, joint_key = _key_ceremony()
    key_ceremony_s = time.perf_counter() - t0
    print(f"key ceremony ({GUARDIANS} guardians, quorum {QUORUM}): {key_ceremony_s:.3f} s")
    context = make_ciphertext_election_context(
        GUARDIANS,
        QUORUM,
        joint_key.joint_public_key,
        joint_key.commitment_hash,
        manifest.crypto_hash(),
    )
    internal_manifest = InternalManifest(manifest)
    device = EncryptionDevice(generate_device_uuid(), 1, 1, "bench")
    seed = device.get_hash()

    # One untimed warm-up encryption (first-call hashing / caches)
    warm = encrypt_ballot(_plaintext_ballot(-1), internal_manifest, context, seed)
    if warm is None:
        raise RuntimeError("warm-up encryption failed")

    # Encryption: proofs are always generated; skip the optional self-check
    encrypted = []
    encrypt_times: list[float] = []
    for i in range(n_ballots):
        plaintext = _plaintext_ballot(i)
        t0 = time.perf_counter()
        ballot = encrypt_ballot(plaintext, internal_manifest, context, seed)
        encrypt_times.append(time.perf_counter() - t0)
        ballot = get_optional(ballot)
        seed = get_optional(ballot.code)
        encrypted.append(ballot)
    n_proofs = sum(len(c.ballot_selections) for c in encrypted[0].contests)
    print(
        f"encrypt: mean {_ms(statistics.mean(encrypt_times)):.1f} ms/ballot "
        f"(min {_ms(min(encrypt_times)):.1f}, max {_ms(max(encrypt_times)):.1f}); "
        f"{n_proofs} selection proofs (placeholders included) + {len(OPTIONS)} contest proofs"
    )

    # Verification of all selection (disjunctive) and contest (constant) proofs
    verify_times: list[float] = []
    for ballot in encrypted:
        t0 = time.perf_counter()
        ok = ballot.is_valid_encryption(
            internal_manifest.manifest_hash,
            context.elgamal_public_key,
            context.crypto_extended_base_hash,
        )
        verify_times.append(time.perf_counter() - t0)
        if not ok:
            raise RuntimeError(f"ballot {ballot.object_id} failed proof verification")
    print(
        f"verify:  mean {_ms(statistics.mean(verify_times)):.1f} ms/ballot "
        f"(min {_ms(min(verify_times)):.1f}, max {_ms(max(verify_times)):.1f})"
    )

    # Cast every ballot and accumulate the encrypted tally (untimed for the JSON)
    store: DataStore = DataStore()
    box = BallotBox(internal_manifest, context, store)
    for ballot in encrypted:
        if box.cast(ballot) is None:
            raise RuntimeError(f"ballot {ballot.object_id} was rejected by the ballot box")
    t0 = time.perf_counter()
    ciphertext_tally = get_optional(tally_ballots(store, internal_manifest, context))
    print(f"tally accumulation ({n_ballots} ballots): {time.perf_counter() - t0:.3f} s")

    # Decryption: PRESENT guardians announce, the rest are compensated for
    present = guardians[:PRESENT]
    missing_keys = [g.share_key() for g in guardians[PRESENT:]]  # public keys from the ceremony
    t0 = time.perf_counter()
    mediator = DecryptionMediator("bench-decryption", context)
    for guardian in present:
        share = get_optional(guardian.compute_tally_share(ciphertext_tally, context))
        mediator.announce(guardian.share_key(), share)
    for key in missing_keys:
        mediator.announce_missing(key)
    for guardian in present:
        for key in mediator.get_missing_guardians():
            comp = guardian.compute_compensated_tally_share(key.owner_id, ciphertext_tally, context)
            mediator.receive_tally_compensation_share(get_optional(comp))
    mediator.reconstruct_shares_for_tally(ciphertext_tally)
    plaintext_tally = mediator.get_plaintext_tally(ciphertext_tally, manifest)
    tally_decrypt_s = time.perf_counter() - t0
    if plaintext_tally is None:
        raise RuntimeError("tally decryption failed")
    print(
        f"tally decryption ({PRESENT}/{GUARDIANS} present, "
        f"{GUARDIANS - PRESENT} compensated): {tally_decrypt_s:.3f} s"
    )

    # Check the decrypted counts against the known votes
    for c_idx, n_options in enumerate(OPTIONS):
        selections = plaintext_tally.contests[f"contest-{c_idx}"].selections
        got = [selections[f"contest-{c_idx}-selection-{s}"].tally for s in range(n_options)]
        want = [sum(1 for i in range(n_ballots) if i % n_options == s) for s in range(n_options)]
        if got != want:
            raise RuntimeError(f"contest-{c_idx}: decrypted {got}, expected {want}")
    print("decrypted tally matches the plaintext votes")

    return {
        "encrypt_ms": round(_ms(statistics.mean(encrypt_times)), 3),
        "verify_ms": round(_ms(statistics.mean(verify_times)), 3),
        "tally_decrypt_s": round(tally_decrypt_s, 4),
        "guardians": GUARDIANS,
        "quorum": QUORUM,
        "present": PRESENT,
        "options": list(OPTIONS),
        "ballots_in_tally": n_ballots,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ballots", type=int, default=5, help="ballots to encrypt, verify and tally (default 5)"
    )
    args = parser.parse_args()
    if args.ballots < 1:
        parser.error("--ballots must be >= 1")

    _bootstrap_if_needed()

    started = time.perf_counter()
    result = run(args.ballots)
    print(f"total benchmark time: {time.perf_counter() - started:.1f} s")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
