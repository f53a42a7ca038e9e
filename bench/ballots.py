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
import timeit
from pathlib import Path

from vmre.core.parallel import chunked, map_chunks
from vmre.crypto import dkg, group
from vmre.crypto.group import L, base_mul, random_scalar, scalar_bytes
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
    counts, floor_ms = group_op_floor(verify_one)
    print("group operations per ballot verified: "
          + ", ".join(f"{counts[name]} {OPS[name]}" for name in OPS))
    print(f"their cost on this machine (the floor on libsodium's API): {floor_ms:.2f} ms; "
          f"verification takes {statistics.median(ver) * 1e3 / floor_ms:.2f}x that")

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
               "verify_growth_s": growth, "cores": os.cpu_count(),
               "verify_floor_ms": floor_ms, "verify_group_ops": counts}
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


OPS = {"_scalarmult": "variable-base multiplications", "_scalarmult_base": "fixed-base (·G) "
       "multiplications", "_add": "point additions", "_sub": "point subtractions"}


def group_op_floor(verify) -> tuple[dict[str, int], float]:
    """The libsodium group operations one call of `verify` makes (counted by wrapping them)
    and their cost at this machine's measured price per operation, in ms: the floor of this
    proof system on libsodium's API (docs/performance.md)."""
    counts = dict.fromkeys(OPS, 0)
    originals = {name: getattr(group, name) for name in OPS}

    def counting(name):
        def call(*args):
            counts[name] += 1
            return originals[name](*args)
        return call

    for name in OPS:
        setattr(group, name, counting(name))
    try:
        verify()
    finally:
        for name, fn in originals.items():
            setattr(group, name, fn)
    p, q, k = group.base_mul(7).data, group.base_mul(11).data, scalar_bytes(random_scalar())
    unit = {"_scalarmult": lambda: originals["_scalarmult"](k, p),
            "_scalarmult_base": lambda: originals["_scalarmult_base"](k),
            "_add": lambda: originals["_add"](p, q), "_sub": lambda: originals["_sub"](p, q)}
    cost = {name: min(timeit.repeat(fn, number=500, repeat=5)) / 500 for name, fn in unit.items()}
    return counts, sum(counts[name] * cost[name] for name in OPS) * 1e3


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
