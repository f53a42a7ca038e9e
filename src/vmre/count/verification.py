"""Checks of the record's actas/ folder (docs/count.md §12), run by `vmre verify`.

Reads only the record: the electronic acta must equal the decrypted tally, every postal table
acta must be consistent, and each entity count must equal the sum of its tables and the
electronic table with the coalition distribution re-applied; every file is listed with its
SHA-256, and each acta PDF carries the integrity hash of its figures.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from vmre.core.messages import number, text
from vmre.count.actas import (
    ELECTRONIC_TABLE,
    check_figures,
    electronic_acta,
    entity_figures,
    figures_hash,
)
from vmre.record.layout import ACTAS_DIR, file_text
from vmre.voting.manifest import Contest, Manifest
from vmre.voting.names import contest_name

SUMS = "SHA256SUMS"
Failure = tuple[str, str, str, str]


def verify_actas(folder: Path, results: dict, manifest: Manifest) -> list[Failure]:
    folder = Path(folder)
    failures: list[Failure] = []
    fail = lambda s, c, i, d="": failures.append((s, c, i, d))  # noqa: E731
    actas = folder / ACTAS_DIR
    files = sorted(p.relative_to(folder).as_posix() for p in actas.rglob("*") if p.is_file())

    # §12.2 the digest list covers exactly the actas, in its one form.
    sums_path = folder / SUMS
    if not sums_path.exists():
        fail("12.2", "digest list present", SUMS, "missing")
    else:
        expected = "".join(f"{hashlib.sha256((folder / f).read_bytes()).hexdigest()}  {f}\n"
                           for f in files)
        if sums_path.read_bytes() != expected.encode():
            fail("12.2", "digest list", SUMS,
                 "does not list every file under actas/ with its SHA-256, sorted, one per line")

    def load(name: str, section: str) -> dict | None:
        path = folder / name
        if not path.exists():
            fail(section, "file present", name, "missing")
            return None
        try:
            raw = path.read_text(encoding="utf-8")
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            fail(section, "file parses", name, str(err))
            return None
        if raw != file_text(data):
            fail("1.2", "canonical form", name, "bytes differ from the one serialisation")
        return data

    # §12.3 the electronic table's acta is the decrypted tally.
    electronic_name = f"{ACTAS_DIR}/{ELECTRONIC_TABLE}.json"
    electronic = load(electronic_name, "12.3")
    expected_electronic = electronic_acta(manifest, results)
    if electronic is not None:
        for cid, want in expected_electronic["contests"].items():
            got = electronic.get("contests", {}).get(cid)
            if got is None or {k: got.get(k) for k in ("counts", "total", "ballots_taken")} != \
                    {k: want[k] for k in ("counts", "total", "ballots_taken")}:
                fail("12.3", "electronic acta equals tally", f"{electronic_name}:{cid}",
                     "differs from the decrypted results")
        extra = set(electronic.get("contests", {})) - set(expected_electronic["contests"])
        if extra:
            fail("12.3", "electronic acta contests", electronic_name, ", ".join(sorted(extra)))
    electronic = expected_electronic  # entity counts are re-derived from the tally itself

    # §12.4 every postal table acta is consistent.
    tables_by_entity: dict[str, list[dict]] = {e: [] for e in manifest.entities}
    for name in files:
        if not name.startswith(f"{ACTAS_DIR}/mesas/"):
            continue
        doc = load(name, "12.4")
        if doc is None:
            continue
        try:
            entity, label, envelopes = doc["entity"], doc["table"], doc["envelopes"]
            if entity not in tables_by_entity or name != f"{ACTAS_DIR}/mesas/{label}.json":
                fail("12.4", "table identity", name, f"entity {entity}, table {label}")
                continue
            for cid, figures in doc["contests"].items():
                contest = manifest.contest(cid)
                if contest.entity != entity:
                    fail("12.4", "contest of the entity", f"{name}:{cid}", entity)
                    continue
                for key, params in check_figures(contest, figures, envelopes):
                    fail("12.4", "table acta consistent", f"{name}:{cid}", f"{key} {params}")
            tables_by_entity[entity].append(doc)
        except (KeyError, TypeError, AttributeError) as err:
            fail("12.4", "table acta fields", name, repr(err))

    # §12.5 each entity count is the sum of its tables and the electronic table.
    for entity, tables in tables_by_entity.items():
        name = f"{ACTAS_DIR}/computo/{entity}.json"
        doc = load(name, "12.5")
        if doc is None:
            continue
        try:
            figures = doc["figures"]
            want = entity_figures(manifest, entity, electronic, tables, figures["version"])
            if figures != want:
                wrong = sorted(k for k in want if figures.get(k) != want[k])
                fail("12.5", "entity count", name,
                     f"differs from its tables and the electronic table: {', '.join(wrong)}")
            if doc["figures_sha256"] != figures_hash(figures):
                fail("12.5", "figures hash", name, "figures_sha256 does not match the figures")
            _check_pdf(folder, doc, name, fail, manifest.contests_for(entity))
        except (KeyError, TypeError, AttributeError, ValueError) as err:
            fail("12.5", "entity count fields", name, repr(err))
    return failures


def _check_pdf(folder: Path, doc: dict, name: str, fail, order: tuple[Contest, ...]) -> None:
    """§12.6. `order`: the entity's contests in manifest order, the order the acta prints
    them, each under its heading — the contest's name followed by the first column heading
    of its table, or, in actas printed before names replaced ids, a heading that ends with
    its id in parentheses: a contest's totals must be printed in its own section (from its
    heading to the next one), plain or with thousands separators."""
    from vmre.count.acta_pdf import pdf_text

    pdf_name = doc["pdf"]
    path = folder / pdf_name
    if pdf_name != name.removesuffix(".json") + ".pdf" or not path.exists():
        fail("12.6", "acta PDF present", pdf_name, "missing")
        return
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != doc["pdf_sha256"]:
        fail("12.6", "acta PDF hash", pdf_name, "pdf_sha256 does not match the PDF")
        return
    try:
        flat = "".join(pdf_text(data).split())
    except Exception as err:  # a PDF the reader cannot parse is a failure, not a crash
        fail("12.6", "acta PDF readable", pdf_name, repr(err))
        return
    if doc["figures_sha256"] not in flat:
        fail("12.6", "acta PDF integrity hash", pdf_name, "the PDF does not print it")
    label = _flat(text("count.pdf.total_votes", "es"))
    column = _flat(text("count.pdf.option", "es"))
    ids = [c.id for c in order]
    starts, at = {}, 0
    for contest in order:
        found = [i for i in (flat.find(f"({contest.id})", at),
                             flat.find(_flat(contest_name(contest, "es")) + column, at))
                 if i >= 0]
        starts[contest.id] = min(found, default=-1)
        at = starts[contest.id] + 1 if found else at
    ends = {cid: next((starts[c] for c in ids[k + 1:] if starts[c] >= 0), len(flat))
            for k, cid in enumerate(ids)}
    for cid, data in doc["figures"]["contests"].items():
        figures = (data["postal"]["ballots"], data["electronic"]["ballots"], data["total"])
        printed = {label + "".join(map(str, figures)), label + "".join(map(number, figures))}
        if starts.get(cid, -1) < 0:
            fail("12.6", "acta PDF figures", f"{pdf_name}:{cid}",
                 "the PDF does not print the contest's heading, in manifest order")
        elif not any(p in flat[starts[cid]:ends[cid]] for p in printed):
            fail("12.6", "acta PDF figures", f"{pdf_name}:{cid}",
                 "the printed totals differ from the figures")


def _flat(value: str) -> str:
    return "".join(value.split())
