"""The opening ceremony as steps that separate people run, exchanging files in one folder.

Steps (docs/ceremony.md): `init` (parameters) → each custodian `keygen` (secret file sealed
under their passphrase + public announcement) → each custodian `deal` (one share per custodian,
sealed to that custodian's box key) → each custodian `check` (complaints against dealers whose
share fails) → accused dealers `respond` (reveal the disputed share) → anyone `finalize`
(qualified dealers, joint key, verification keys, transcript). At the close, each present
custodian recovers its key share from its secret file and the transcript.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from vmre.core.messages import UserError, text
from vmre.crypto import dkg, schnorr, sealing
from vmre.crypto.group import L, Point, point_from_hex, scalar_bytes, scalar_from_hex
from vmre.voting.context import ElectionContext, manifest_hash, transcript_hash
from vmre.voting.manifest import Manifest, parse_manifest

# The transcript keeps each disqualification's reason in English (it is part of the public
# record and its format is fixed); people read it through the catalogue in their language.
_REASONS = (
    (re.compile(r"no announcement"), "no_announcement"),
    (re.compile(r"malformed announcement"), "malformed_announcement"),
    (re.compile(r"invalid proof of knowledge"), "invalid_proof"),
    (re.compile(r"dealt no shares"), "no_shares"),
    (re.compile(r"unanswered complaint by custodian (?P<j>\d+)"), "unanswered"),
    (re.compile(r"bad share for custodian (?P<j>\d+) \(complaint upheld\)"), "bad_share"),
)


def disqualification_text(reason: str, lang: str = "es") -> str:
    """A transcript's disqualification reason as the catalogue says it in `lang`."""
    for pattern, key in _REASONS:
        found = pattern.fullmatch(reason)
        if found:
            return text(f"sivei.disqualified.{key}", lang, **found.groupdict())
    return reason


def write_private(path: Path, content: str) -> None:
    """A new file readable and writable by its owner only (0600), created so from the first
    byte (never written first and narrowed later); an existing file is refused."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)  # whatever the umask
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(content)


def _write(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def _read(path: Path) -> dict:
    if not path.exists():
        raise UserError("core.file.not_found", path=str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise UserError("core.file.unreadable", path=str(path), reason=str(err)) from None


def _hex(k: int) -> str:
    return scalar_bytes(k).hex()


class Ceremony:
    """One ceremony folder. Every method is one step of one participant."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    # -- parameters -------------------------------------------------------------------------
    def init(self, manifest_text: str, custodians: int = 5, threshold: int = 3) -> dict:
        if not 1 <= threshold <= custodians:
            raise UserError("voting.ceremony.bad_threshold", t=threshold, n=custodians)
        manifest = parse_manifest(manifest_text)
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "manifest.json").write_text(
            json.dumps(manifest.document, ensure_ascii=False, indent=1), encoding="utf-8")
        params = {"election_id": manifest.election_id,
                  "manifest_hash": manifest_hash(manifest).hex(),
                  "custodians": custodians, "threshold": threshold}
        _write(self.folder / "parameters.json", params)
        return params

    @property
    def params(self) -> dict:
        return _read(self.folder / "parameters.json")

    @property
    def manifest(self) -> Manifest:
        return parse_manifest((self.folder / "manifest.json").read_text(encoding="utf-8"),
                              "manifest.json")

    def proof_context(self) -> tuple:
        p = self.params
        return (p["election_id"], bytes.fromhex(p["manifest_hash"]), p["custodians"],
                p["threshold"])

    def _check_index(self, index: int) -> None:
        if not 1 <= index <= self.params["custodians"]:
            raise UserError("voting.ceremony.bad_custodian", index=index,
                            n=self.params["custodians"])

    # -- custodian steps --------------------------------------------------------------------
    def keygen(self, index: int, passphrase: str, secret_path: str | Path) -> None:
        """This custodian's keys. A custodian's announcement or secret already made is never
        overwritten: a second keygen would silently replace a published commitment (or the
        only key to a share), so it is refused before anything is drawn."""
        announcement = self.refuse_keygen_again(index, secret_path)
        poly = dkg.random_polynomial(self.params["threshold"])
        box_public, box_secret = sealing.box_keypair()
        ann = dkg.announce(index, poly, self.proof_context())
        secret = {"index": index, "election_id": self.params["election_id"],
                  "coefficients": [_hex(a) for a in poly.coefficients],
                  "box_public": box_public.hex(), "box_secret": box_secret.hex()}
        sealed = sealing.seal_with_passphrase(json.dumps(secret).encode(), passphrase,
                                              f"custodian-{index}")
        write_private(Path(secret_path), json.dumps(sealed))
        _write(announcement, {
            "index": index, "box_public": box_public.hex(),
            "commitments": [c.hex() for c in ann.commitments],
            "proofs": [[_hex(p.challenge), _hex(p.response)] for p in ann.proofs]})

    def refuse_keygen_again(self, index: int, secret_path: str | Path) -> Path:
        """The announcement's path, if neither it nor the secret file exists yet."""
        self._check_index(index)
        announcement = self.folder / f"announce-{index}.json"
        for existing in (announcement, Path(secret_path)):
            if existing.exists():
                raise UserError("voting.ceremony.keygen_exists", index=index, path=str(existing))
        return announcement

    def _secret(self, secret_path: str | Path, passphrase: str) -> dict:
        sealed = _read(Path(secret_path))
        return json.loads(sealing.open_with_passphrase(sealed, passphrase))

    def announcements(self) -> dict[int, dkg.Announcement]:
        out = {}
        for j in range(1, self.params["custodians"] + 1):
            path = self.folder / f"announce-{j}.json"
            if path.exists():
                out[j] = parse_announcement(_read(path))
        return out

    def box_keys(self) -> dict[int, bytes]:
        return {j: bytes.fromhex(_read(self.folder / f"announce-{j}.json")["box_public"])
                for j in self.announcements()}

    def deal(self, index: int, passphrase: str, secret_path: str | Path,
             corrupt_for: int | None = None) -> None:
        """Send f_i(j) to every custodian j. `corrupt_for` makes one share wrong: it exists
        only so that drills and tests can show that a cheating dealer is caught."""
        secret = self._secret(secret_path, passphrase)
        poly = dkg.Polynomial(tuple(scalar_from_hex(a) for a in secret["coefficients"]))
        n = self.params["custodians"]
        if len(self.announcements()) != n:
            raise UserError("voting.ceremony.missing_announcements")
        keys = self.box_keys()
        shares = {}
        for j in range(1, n + 1):
            value = poly.at(j)
            if corrupt_for == j:
                value = (value + 1) % L
            shares[str(j)] = sealing.seal_to(keys[j], scalar_bytes(value)).hex()
        _write(self.folder / f"shares-{index}.json", {"dealer": index, "shares": shares})

    def _received(self, j: int, secret: dict) -> dict[int, int | None]:
        """The shares dealt to custodian j, decrypted (None where unreadable)."""
        box_public = bytes.fromhex(secret["box_public"])
        box_secret = bytes.fromhex(secret["box_secret"])
        out: dict[int, int | None] = {}
        for i in range(1, self.params["custodians"] + 1):
            path = self.folder / f"shares-{i}.json"
            if not path.exists():
                continue
            sealed = bytes.fromhex(_read(path)["shares"].get(str(j), ""))
            plain = sealing.open_sealed(box_public, box_secret, sealed)
            try:
                out[i] = scalar_from_hex(plain.hex()) if plain else None
            except ValueError:
                out[i] = None
        return out

    def check(self, index: int, passphrase: str, secret_path: str | Path) -> list[int]:
        """Verify every share received; publish complaints against the dealers that fail."""
        secret = self._secret(secret_path, passphrase)
        anns = self.announcements()
        against = [i for i, share in self._received(index, secret).items()
                   if share is None or not dkg.share_is_valid(share, anns[i].commitments, index)]
        _write(self.folder / f"complaints-{index}.json", {"custodian": index,
                                                          "against": sorted(against)})
        return against

    def respond(self, index: int, passphrase: str, secret_path: str | Path) -> None:
        """An accused dealer reveals the disputed shares so that anyone can judge."""
        secret = self._secret(secret_path, passphrase)
        poly = dkg.Polynomial(tuple(scalar_from_hex(a) for a in secret["coefficients"]))
        reveals = {str(j): _hex(poly.at(j)) for j in self.complainants(index)}
        _write(self.folder / f"response-{index}.json", {"dealer": index, "reveals": reveals})

    def complainants(self, dealer: int) -> list[int]:
        out = []
        for j in range(1, self.params["custodians"] + 1):
            path = self.folder / f"complaints-{j}.json"
            if path.exists() and dealer in _read(path)["against"]:
                out.append(j)
        return out

    # -- public step ------------------------------------------------------------------------
    def finalize(self) -> dict:
        """Judge complaints, fix the qualified set, and write the transcript."""
        p = self.params
        n, t = p["custodians"], p["threshold"]
        transcript = build_transcript(self.folder, n)
        verdict = judge_transcript(transcript, n, t, self.proof_context())
        if len(verdict["qualified"]) < t:
            raise UserError("voting.ceremony.too_few_qualified", q=len(verdict["qualified"]), t=t)
        transcript.update(verdict)
        _write(self.folder / "transcript.json", transcript)
        ctx = ElectionContext(self.manifest, point_from_hex(verdict["joint_public_key"]), n, t,
                              transcript_hash(transcript))
        _write(self.folder / "election.json", ctx.to_json())
        return transcript

    def context(self) -> ElectionContext:
        return ElectionContext.from_json(self.manifest, _read(self.folder / "election.json"))

    def transcript(self) -> dict:
        return _read(self.folder / "transcript.json")

    def key_share(self, index: int, passphrase: str, secret_path: str | Path) -> int:
        """Custodian `index`'s share s_j = Σ_{i∈Q} f_i(j), from the transcript and its secret."""
        secret = self._secret(secret_path, passphrase)
        transcript = self.transcript()
        received = self._received(index, secret)
        total = 0
        for i in transcript["qualified"]:
            revealed = transcript["responses"].get(str(i), {}).get(str(index))
            share = scalar_from_hex(revealed) if revealed else received.get(i)
            if share is None:
                raise UserError("voting.ceremony.share_unavailable", dealer=i)
            total = (total + share) % L
        return total


def parse_announcement(data: dict) -> dkg.Announcement:
    return dkg.Announcement(
        int(data["index"]),
        tuple(point_from_hex(c) for c in data["commitments"]),
        tuple(schnorr.Signature(scalar_from_hex(c), scalar_from_hex(s))
              for c, s in data["proofs"]))


def build_transcript(folder: Path, n: int) -> dict:
    """Everything published during the ceremony, gathered in one document."""
    def gather(prefix: str) -> dict[str, dict]:
        out = {}
        for j in range(1, n + 1):
            path = folder / f"{prefix}-{j}.json"
            if path.exists():
                out[str(j)] = _read(path)
        return out

    return {"parameters": _read(folder / "parameters.json"),
            "announcements": gather("announce"),
            "shares": {k: v["shares"] for k, v in gather("shares").items()},
            "complaints": {k: v["against"] for k, v in gather("complaints").items()},
            "responses": {k: v["reveals"] for k, v in gather("response").items()}}


def judge_transcript(transcript: dict, n: int, t: int, context: tuple) -> dict:
    """The public verdict: who qualifies, why the others do not, the joint and share keys.

    Pure function of the transcript: the verifier runs exactly this (docs/record.md §4).
    """
    disqualified: dict[str, str] = {}
    accusations: list[dict] = []  # every complaint and how it ended, naming both custodians
    anns: dict[int, dkg.Announcement] = {}
    for i in range(1, n + 1):
        data = transcript["announcements"].get(str(i))
        if data is None:
            disqualified[str(i)] = "no announcement"
            continue
        try:
            ann = parse_announcement(data)
        except (ValueError, KeyError, TypeError):
            disqualified[str(i)] = "malformed announcement"
            continue
        if ann.index != i or not dkg.verify_announcement(ann, t, context):
            disqualified[str(i)] = "invalid proof of knowledge"
            continue
        if str(i) not in transcript["shares"]:
            disqualified[str(i)] = "dealt no shares"
            continue
        anns[i] = ann
    # Complaints are judged by complaining custodian in increasing number (not in the order
    # of the JSON object's keys, which the record sorts as text: "10" before "2").
    for j, against in sorted((int(k), v) for k, v in transcript["complaints"].items()):
        j_text = str(j)
        for i in against:
            if str(i) in disqualified:
                continue
            revealed = transcript["responses"].get(str(i), {}).get(j_text)
            if revealed is None:
                disqualified[str(i)] = f"unanswered complaint by custodian {j}"
                accusations.append({"dealer": i, "custodian": j, "outcome": "unanswered"})
                continue
            try:
                ok = dkg.share_is_valid(scalar_from_hex(revealed), anns[i].commitments, j)
            except ValueError:
                ok = False
            if not ok:
                disqualified[str(i)] = f"bad share for custodian {j} (complaint upheld)"
            accusations.append({"dealer": i, "custodian": j,
                                "outcome": "answered" if ok else "upheld"})
    qualified = sorted(i for i in anns if str(i) not in disqualified)
    qualified_anns = [anns[i] for i in qualified]
    joint: Point = dkg.joint_public_key(qualified_anns)
    return {"qualified": qualified, "disqualified": disqualified, "accusations": accusations,
            "joint_public_key": joint.hex(),
            "verification_keys": {str(j): dkg.verification_key(qualified_anns, j).hex()
                                  for j in range(1, n + 1)}}
