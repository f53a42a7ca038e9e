"""Ballot benchmark: encryption, verification, tally and closing costs, and verification growth.

    python bench/ballots.py [--sizes 1000,10000] [--electionguard] [--json]

Ballot style: 3 contests with 10, 6 and 4 options, vote for one in each. Figures are wall-clock
on this machine; with --electionguard the same style runs in ElectionGuard's Python package
(bench/electionguard_baseline.py) and the ratios are printed. Verification growth uses every
core through the verifier's own chunk function; above 1,000 ballots the 1,000 distinct ballots
are verified again cyclically (each verification does the full work).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from vmre.core.parallel import chunked, map_chunks
from vmre.crypto import dkg
from vmre.crypto.group import L, base_mul, random_scalar
from vmre.voting import ballot as ballots
from vmre.voting import batch, tally
from vmre.voting.context import ElectionContext
from vmre.voting.manifest import parse_manifest

HERE = Path(__file__).resolve().parent


def bench_manifest() -> str:
    def contest(cid: str, parties: list[str]) -> str:
        cands = "\n".join(f"      - {{id: {cid}-{p}, name: C {p}, party: {p}}}" for p in parties)
        return f"  - id: {cid}\n    entity: JAL\n    office: {cid}\n    candidates:\n{cands}\n"

    parties = [f"p{i}" for i in range(1, 9)]
    return ("election_id: bench\nname: bench\nparties:\n"
            + "".join(f"  - {{id: {p}, name: {p}}}\n" for p in parties)
            + "contests:\n" + contest("c10", parties) + contest("c6", parties[:4])
            + contest("c4", parties[:2]))


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000",
                    help="ballot counts for the verification growth (e.g. 1000,10000,100000)")
    ap.add_argument("--samples", type=int, default=30)
    ap.add_argument("--electionguard", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    manifest = parse_manifest(bench_manifest())
    n, t = 5, 3
    polys = [dkg.random_polynomial(t) for _ in range(n)]
    anns = [dkg.announce(i + 1, p, ("bench",)) for i, p in enumerate(polys)]
    ctx = ElectionContext(manifest, dkg.joint_public_key(anns), n, t, bytes(32))
    assert [len(c.options) for c in manifest.contests] == [10, 6, 4]
    key = random_scalar()

    def one_ballot() -> dict:
        sel = {c.id: c.options[0].id for c in manifest.contests}
        return ballots.encrypt_ballot(ctx, "JAL", key, sel)[0]

    enc = timed(one_ballot, args.samples)
    doc = one_ballot()

    def verify_one() -> None:
        ballots.verify_ballot(ctx, ballots.parse_ballot(ctx, doc), "JAL")

    ver = timed(verify_one, args.samples)
    parsed = ballots.parse_ballot(ctx, doc)
    add = timed(lambda: tally.partial_sums([parsed] * 100), 5)

    # Closing: 3 of 5 custodians decrypt a 1,000-ballot aggregate, then combination and dlog.
    shares = {j: sum(p.at(j) for p in polys) % L for j in range(1, n + 1)}
    sums = tally.partial_sums([parsed] * 1000)
    aggregate = tally.aggregate_document(ctx, sums)
    present = [1, 3, 5]

    def closing() -> None:
        docs = {j: tally.decrypt_share(ctx, aggregate, j, shares[j], base_mul(shares[j]))
                for j in present}
        for j in present:
            assert tally.check_share(ctx, aggregate, docs[j], base_mul(shares[j]))[0]
        tally.combine_results(ctx, aggregate, docs)

    close = timed(closing, 3)

    print(f"ballot style: 3 contests with 10, 6, 4 options ({sum([10, 6, 4])} ciphertexts)")
    print(f"encrypt one ballot with proofs and signature: {statistics.median(enc) * 1e3:.2f} ms")
    print(f"verify one ballot (every proof and the signature): "
          f"{statistics.median(ver) * 1e3:.2f} ms")
    print(f"tally cost per ballot (homomorphic addition): "
          f"{statistics.median(add) / 100 * 1e3:.3f} ms")
    print(f"closing, 5 custodians with 2 absent (3 shares + proofs checked + combine + dlog, "
          f"1,000 ballots): {statistics.median(close):.2f} s")
    print(f"group operations per ballot verified: {ops_floor([10, 6, 4])}")

    # Verification growth, all cores, through the verifier's chunk function.
    distinct = [one_ballot() for _ in range(min(1000, max(int(s) for s in
                                                          args.sizes.split(","))))]
    growth = {}
    manifest_json = json.dumps(manifest.document)
    election_json = json.dumps(ctx.to_json())
    for size in (int(s) for s in args.sizes.split(",")):
        items = [(str(i), "JAL", distinct[i % len(distinct)], True) for i in range(size)]
        t0 = time.perf_counter()
        map_chunks(batch.verify_ballots,
                   [(manifest_json, election_json, c) for c in chunked(items, 250)])
        growth[size] = time.perf_counter() - t0
        print(f"verify {size:>7,} ballots on {os.cpu_count()} cores: {growth[size]:8.1f} s "
              f"({growth[size] / size * 1e3:.2f} ms per ballot)")

    figures = {"encrypt_ms": statistics.median(enc) * 1e3,
               "verify_ms": statistics.median(ver) * 1e3,
               "tally_per_ballot_ms": statistics.median(add) / 100 * 1e3,
               "closing_5_of_2_absent_s": statistics.median(close),
               "verify_growth_s": growth, "cores": os.cpu_count()}
    if args.electionguard:
        eg = electionguard()
        if eg:
            figures["electionguard"] = eg
            for name in ("encrypt_ms", "verify_ms"):
                ratio = eg[name] / figures[name]
                figures[f"{name}_ratio_vs_electionguard"] = ratio
                print(f"{name}: ElectionGuard {eg[name]:.1f} ms vs {figures[name]:.2f} ms "
                      f"= {ratio:.0f}x faster")
            if "tally_decrypt_s" in eg:
                print(f"closing: ElectionGuard {eg['tally_decrypt_s']:.2f} s "
                      f"({eg.get('ballots_in_tally', '?')} ballots) vs "
                      f"{figures['closing_5_of_2_absent_s']:.2f} s")
    if args.json:
        print(json.dumps(figures))


def ops_floor(options: list[int]) -> str:
    """Scalar multiplications each check needs (docs/performance.md)."""
    per_option = 6  # variable-base: c0·α, s0·X, c0·β, c1·α, s1·X, c1·(β−G) ...
    base = 2  # ... and s0·G, s1·G
    k = sum(options)
    total_var = per_option * k + 3 * len(options) + 1
    total_base = base * k + len(options) + 1
    return (f"{total_var} variable-base + {total_base} fixed-base scalar multiplications "
            f"({k} ciphertexts)")


def electionguard() -> dict | None:
    script = HERE / "electionguard_baseline.py"
    if not script.exists():
        print("ElectionGuard baseline script missing")
        return None
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    if run.returncode != 0:
        print(f"ElectionGuard baseline failed (exit {run.returncode}): {run.stderr[-500:]}")
        return None
    return json.loads(run.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
