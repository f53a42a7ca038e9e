"""Opening and closing acts (actas) of internet voting, and the integrity codes of the
deployed application.

Integrity codes are SHA3-256 digests: one per static file served to browsers, and one for the
whole application = SHA3-256 over the sorted lines "relative/path<TAB>sha3-256 of the file\\n"
of every file of the installed `vmre` package (Python, templates, catalogue, static files).
Anyone holding the published release can recompute them and compare with the public page
and the opening act.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from vmre.core.entities import BY_ID as ENTITIES
from vmre.core.messages import text
from vmre.voting.board import Board, loaded
from vmre.voting.fingerprint import grouped

SOURCE_SUFFIXES = (".py", ".toml", ".html", ".js", ".css", ".yaml", ".json", ".mako", ".ini")


def _sha3(data: bytes) -> str:
    return hashlib.sha3_256(data).hexdigest()


@lru_cache(maxsize=1)
def integrity_codes() -> dict:
    """{"application": code, "files": n, "static": {name: code}} of what is deployed."""
    root = Path(str(resources.files("vmre")))
    lines = []
    count = 0
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in SOURCE_SUFFIXES and "__pycache__" not in path.parts:
            lines.append(f"{path.relative_to(root).as_posix()}\t{_sha3(path.read_bytes())}\n")
            count += 1
    static = root / "web" / "static"
    return {"application": _sha3("".join(lines).encode("utf-8")), "files": count,
            "static": {p.name: _sha3(p.read_bytes())
                       for p in sorted(static.iterdir()) if p.is_file()}}


def key_fingerprint(hex_key: str) -> str:
    """SHA3-256 of the joint key's 32 bytes, in groups of four for reading aloud."""
    digest = _sha3(bytes.fromhex(hex_key))
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


def election_fingerprints(elections) -> list[dict]:
    """(id, fingerprint, grouped) of each election whose fingerprint is fixed: what the public
    integrity page shows."""
    return [{"id": e.id, "fingerprint": e.fingerprint, "grouped": grouped(e.fingerprint)}
            for e in elections if e.fingerprint]


def act_data(board: Board, election_id: str) -> dict:
    """Everything both acts print, read from the board, the ceremony transcript and who was
    there. The opening act prints nothing of the board but what held when voting opened."""
    from vmre.voting import attendance

    election = board.election(election_id)
    with board.sessions() as s:
        present = {act: attendance.as_dicts(attendance.listed(s, election_id, act))
                   for act in attendance.ACTS}
    ctx = loaded(election).context
    manifest = ctx.manifest
    transcript = json.loads(election.transcript)
    entries = board.entries(election_id, 0, 1)
    return {
        "election_id": election_id, "name": manifest.name, "time_zone": manifest.time_zone,
        # instants, shown in the one format people read (vmre.core.clock.people_text)
        "opens": _utc(election.opens_at) if election.opens_at else None,
        "closes": _utc(election.closes_at) if election.closes_at else None,
        # entities by name, never their id
        "state": election.state, "contests": [(ENTITIES[c.entity].name if c.entity in ENTITIES
                                               else c.entity, c.office)
                                              for c in manifest.contests],
        "custodians": ctx.custodians, "threshold": ctx.threshold,
        "qualified": transcript.get("qualified", []),
        "disqualified": transcript.get("disqualified", {}),
        "joint_key": ctx.joint_key.hex(), "fingerprint": key_fingerprint(ctx.joint_key.hex()),
        # the election fingerprint (docs/record.md §2.4), fixed before the window opens
        "election_fingerprint": election.fingerprint,
        "election_fingerprint_grouped": grouped(election.fingerprint),
        "base_hash": ctx.base_hash.hex(), "manifest_hash": ctx.manifest_hash.hex(),
        "ballots": election.ballot_count, "head_hash": election.head_hash,
        # the chain starts at the base hash: an empty board has head == base hash
        "board_empty": election.ballot_count == 0 and election.head_hash == ctx.base_hash.hex(),
        "first_prev": entries[0].prev_hash if entries else election.head_hash,
        "spoiled": board.spoiled_count(election_id),
        "integrity": integrity_codes(),
        "attendance": present,
        "generated": dt.datetime.now(dt.UTC),
    }


def _utc(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _iso(moment: dt.datetime | None) -> str | None:
    return _utc(moment).isoformat() if moment is not None else None


def cache_key(election, kind: str, lang: str, now: dt.datetime | None = None,
              attendance: str = "") -> str | None:
    """The key under which an act's PDF is stored once its content is fixed, None before.

    The opening act is fixed once the ceremony is over (the election exists), its fingerprint
    is fixed and its window is set; the closing act once voting has ended (closed, or its
    window over by the clock). The key is the SHA-256 of what could still change what the act
    prints — the window, the state and the board's head for the closing act, the deployed
    application's integrity code, the language, who was there (`attendance`, the digest of
    vmre.voting.attendance) — so a rescheduled window or a new release gets an act of its
    own. The opening act never prints the board's later state: ballots cast after it was
    fixed do not change it."""
    if kind == "inicio":
        if not (election.fingerprint and election.opens_at and election.closes_at):
            return None
    else:
        ended = election.state == "closed" or (
            election.closes_at is not None
            and _utc(election.closes_at) <= (now or dt.datetime.now(dt.UTC)))
        if not ended:
            return None
    inputs = {"election": election.id, "kind": kind, "lang": lang,
              "fingerprint": election.fingerprint, "opens": _iso(election.opens_at),
              "closes": _iso(election.closes_at),
              "application": integrity_codes()["application"], "attendance": attendance}
    if kind == "cierre":
        inputs.update(state=election.state, ballots=election.ballot_count,
                      head=election.head_hash)
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()


def render_pdf(html: str) -> bytes:
    from vmre.core.identity import pdf  # the institution's emblem and running header

    return pdf.render(html)


def act_title(kind: str, lang: str) -> str:
    return text(f"sivei.acts.{kind}_title", lang)
