"""One modality per voter across the two hand-overs, on the command line: the registry writes
the internet LNERE (`vmre registry export --kind internet-lnere`), the count reads it (`vmre
count internet-lnere`), and a postal envelope returned by a voter on it is refused as "other
modality" and never counted (docs/count.md §2.2)."""

from __future__ import annotations

import json

from sqlalchemy import text, update

from vmre.core.database import make_engine, transaction
from vmre.registry import service
from vmre.registry.models import Request

from .test_lists import (  # noqa: F401  (ceremony: a fixture)
    PEL,
    _cli,
    _lnere,
    _open_process,
    _submit,
    ceremony,
)


def _words(result) -> str:
    return " ".join(result.output.split())


def test_internet_lnere_from_the_registry_makes_the_count_refuse_their_envelopes(
        env, db_url, tmp_path, ceremony):  # noqa: F811
    vmre = _cli(db_url)
    _open_process(vmre, ceremony, "JAL,PUE,CDMX")
    jal = [r for r in env.good_records() if r.entity_id == "JAL"][:2]
    pue = [r for r in env.good_records() if r.entity_id == "PUE"][:2]
    cdmx = next(r for r in env.good_records() if r.entity_id == "CDMX")
    switched_early, by_post = (_submit(env, r, "postal") for r in jal)
    switched_late, received_first = (_submit(env, r, "postal") for r in pue)
    internet = _submit(env, cdmx, "internet")
    with transaction(env.app.state.sessions) as s:
        for folio in (switched_early, by_post, switched_late, received_first, internet):
            service.accept(s, service.request_by_folio(s, folio), "revisor")

    # Only a closed list is handed over.
    refused = vmre("registry", "export", "--election", PEL, "--kind", "internet-lnere",
                   "--out", str(tmp_path / "open.jsonl"), ok=False)
    assert refused.exception.key == "registry.internet_lnere.not_closed"
    assert not (tmp_path / "open.jsonl").exists()
    vmre("registry", "close", "--election", PEL)
    vmre("registry", "export", "--election", PEL, "--kind", "postal-lnere",
         "--out", str(tmp_path / "postal.jsonl"))
    envelope = {v["folio"]: v["envelope"] for v in _lnere(tmp_path / "postal.jsonl")[1]}
    assert set(envelope) == {switched_early, by_post, switched_late, received_first}

    # The registry's two hand-overs then disagree about three voters: their requests were
    # switched to the internet modality in the registry's database after the postal export
    # (the case the count must catch, whatever the cause).
    engine = make_engine(db_url)
    with engine.begin() as c:
        c.execute(update(Request).where(Request.folio.in_(
            [switched_early, switched_late, received_first])).values(modality="internet"))
    engine.dispose()

    written = vmre("registry", "export", "--election", PEL, "--kind", "internet-lnere",
                   "--entity", "JAL", "--out", str(tmp_path / "internet-jal.jsonl"))
    assert "LNERE de internet escrita: 1 personas" in _words(written)
    vmre("registry", "export", "--election", PEL, "--kind", "internet-lnere",
         "--out", str(tmp_path / "internet.jsonl"))
    head, voters = _lnere(tmp_path / "internet.jsonl")
    assert head == {"format": "vmre/internet-lnere/v1", "election_id": PEL, "entity": None,
                    "addendum": False, "voters": 4}
    assert [v["folio"] for v in voters] == [internet, switched_early, switched_late,
                                            received_first]  # CDMX, JAL, then PUE
    assert all(set(v) == {"folio", "entity"} for v in voters)  # no personal data
    assert (tmp_path / "internet.jsonl").read_text(encoding="utf-8").splitlines()[0] == \
        json.dumps(head, sort_keys=True, separators=(",", ":"))

    vmre("count", "deadline", PEL, "--day", "2024-06-02")
    # The internet list of one entity reaches the count before the postal LNERE.
    first = vmre("count", "internet-lnere", PEL, str(tmp_path / "internet-jal.jsonl"))
    assert "LNERE de internet: 1 personas marcadas, 0 ya importadas, 0 en la LNERE postal" \
        in _words(first)
    packed = vmre("count", "packages", PEL, str(tmp_path / "postal.jsonl"),
                  "--out", str(tmp_path / "p"))
    assert "3 paquetes nuevos, 0 ya importados, 1 personas que votan por internet" \
        in _words(packed)
    assert f"folio {switched_early}: la persona vota por internet" in _words(packed)
    shipping = (tmp_path / "p/manifiesto-envio.csv").read_text(encoding="utf-8")
    assert envelope[switched_early] not in shipping and envelope[switched_late] in shipping

    # One postal envelope comes back before the whole internet LNERE arrives.
    vmre("count", "receive", PEL, envelope[received_first], "--at",
         "2024-05-10T10:00:00-06:00")
    whole = vmre("count", "internet-lnere", PEL, str(tmp_path / "internet.jsonl"))
    out = _words(whole)
    assert (f"Línea 4, folio {switched_late}: estaba en la LNERE postal y su sobre no ha "
            "llegado; vota por internet: su paquete se retira") in out
    assert (f"Línea 5, folio {received_first}: está en la LNERE postal y su sobre ya se "
            "recibió; sigue siendo voto postal") in out
    assert "LNERE de internet: 2 personas marcadas, 1 ya importadas, 2 en la LNERE postal" in out
    again = vmre("count", "internet-lnere", PEL, str(tmp_path / "internet.jsonl"))
    assert "0 personas marcadas, 3 ya importadas, 1 en la LNERE postal" in _words(again)

    # The envelopes come back: those of voters on the internet LNERE are not counted.
    scans = tmp_path / "recibidos.csv"
    scans.write_text("envelope,received_at\n"
                     f"{envelope[by_post]},2024-05-20T12:00:00-06:00\n"
                     f"{envelope[switched_early]},2024-05-21T12:00:00-06:00\n"
                     f"{envelope[switched_late]},2024-05-22T12:00:00-06:00\n", encoding="utf-8")
    returned = _words(vmre("count", "returns", PEL, str(scans)))
    assert (f"Línea 3, sobre {envelope[switched_early]}: rechazado: la persona vota por "
            "internet") in returned
    assert (f"Línea 4, sobre {envelope[switched_late]}: rechazado: la persona vota por "
            "internet") in returned
    assert "Sobres: 1 en plazo, 0 fuera de plazo, 2 rechazados" in returned
    marks = vmre("count", "lnere", PEL).output
    rows = {line.split("│")[1].strip(): line for line in marks.splitlines() if "SRVE-" in line}
    assert "devuelto en plazo" in rows[by_post] and "devuelto en plazo" in rows[received_first]
    assert "vota por internet" in rows[switched_early]
    assert "vota por internet" in rows[switched_late]
    listed = vmre("count", "refused", PEL).output
    assert envelope[switched_early] in listed and envelope[switched_late] in listed
    # Only the two envelopes of postal voters reach the tables.
    assigned = [vmre("count", "assign", PEL, e).output for e in ("JAL", "PUE")]
    assert all(": 1 sobre." in a for a in assigned), assigned

    engine = make_engine(db_url)
    with engine.connect() as c:
        modality = dict(c.execute(text(
            "SELECT voter_ref, modality FROM count_voter_modalities WHERE election_id = :e"),
            {"e": PEL}).all())
    engine.dispose()
    assert modality == {internet: "internet", switched_early: "internet",
                        switched_late: "internet", received_first: "postal",
                        by_post: "postal"}


def test_a_malformed_internet_lnere_is_refused_naming_line_and_column(env, db_url, tmp_path,
                                                                      ceremony):  # noqa: F811
    vmre = _cli(db_url)
    vmre("election", "register", "--dir", str(ceremony))
    head = {"format": "vmre/internet-lnere/v1", "election_id": PEL, "entity": "JAL",
            "addendum": False, "voters": 2}
    cases = {
        "bad_value": ([head, {"folio": "SRVE-1", "entity": "JAL"},
                       {"folio": "SRVE-2", "entity": "PUE"}],
                      ("count.internet_lnere.bad_value", {"line": 3, "column": "entity"})),
        "repeated": ([head, {"folio": "SRVE-1", "entity": "JAL"},
                      {"folio": "SRVE-1", "entity": "JAL"}],
                     ("count.internet_lnere.repeated",
                      {"line": 3, "column": "folio", "first": 2})),
        "postal": ([head | {"format": "vmre/postal-lnere/v1"}],
                   ("count.internet_lnere.format", {"expected": "vmre/internet-lnere/v1"})),
        "extra": ([head, {"folio": "SRVE-1", "entity": "JAL", "email": "a@b.example"}],
                  ("count.internet_lnere.unknown_column", {"line": 2, "column": "email"})),
        "short": ([head, {"folio": "SRVE-1", "entity": "JAL"}],
                  ("count.internet_lnere.count_mismatch", {"declared": 2, "found": 1})),
    }
    for name, (lines, (key, params)) in cases.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(json.dumps(o) + "\n" for o in lines), encoding="utf-8")
        result = vmre("count", "internet-lnere", PEL, str(path), ok=False)
        assert (result.exception.key, result.exception.params) == (key, params), name
