"""Internet voting opens only after two published audits by distinct firms (LGIPE, thirteenth
transitory article; docs/ceremony.md): recorded and published through `vmre election audit`,
checked by `vmre election schedule` and the staff page; simulacros and practice elections
open under their documented exemption only."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.audit import events
from vmre.core.database import make_engine, session_factory, transaction
from vmre.core.messages import UserError
from vmre.crypto import credentials as creds
from vmre.crypto.group import random_scalar
from vmre.voting import practice
from vmre.voting.board import Board
from vmre.voting.credential_list import sign_credential_list
from vmre.web.app import create_app

ELECTION = "pel-2024-extranjero"


def _cli(*args: str):
    register_parts()
    return CliRunner().invoke(app, list(args))


def _refused(result, key: str) -> None:
    assert result.exit_code != 0
    assert isinstance(result.exception, UserError) and result.exception.key == key, \
        (result.output, result.exception)


def _registered(tmp_path, ceremony_done) -> tuple[str, list[str]]:
    shutil.copytree(ceremony_done, tmp_path / "c")
    folder, db = str(tmp_path / "c" / "ceremony"), f"sqlite:///{tmp_path / 'server.sqlite'}"
    assert _cli("election", "register", "--dir", folder, "--db", db).exit_code == 0
    listing = tmp_path / "lista.json"
    listing.write_text(json.dumps(sign_credential_list(
        ELECTION, random_scalar(), [(creds.generate(ELECTION).public, "JAL")])))
    assert _cli("election", "credentials", ELECTION, str(listing), "--db", db).exit_code == 0
    now = dt.datetime.now(dt.UTC)
    return db, [ELECTION, (now - dt.timedelta(minutes=1)).isoformat(),
                (now + dt.timedelta(hours=1)).isoformat(), "--db", db]


def _add(tmp_path, db: str, firm: str, *extra: str):
    opinion = tmp_path / f"dictamen-{hashlib.sha256(firm.encode()).hexdigest()[:8]}.pdf"
    opinion.write_bytes(f"%PDF dictamen de {firm}".encode())
    return _cli("election", "audit", "add", ELECTION, "--firm", firm, "--scope",
                "SIVEI 2.0: código, infraestructura, criptografía", "--from", "2026-01-05",
                "--to", "2026-02-20", "--opinion", str(opinion), "--db", db, *extra)


def test_the_window_opens_only_after_two_published_audits_by_distinct_firms(
        tmp_path, ceremony_done):
    db, window = _registered(tmp_path, ceremony_done)
    _refused(_cli("election", "schedule", *window), "voting.audits.missing")

    first = _add(tmp_path, db, "Auditora Internacional, S.C.", "--link",
                 "https://ine.example/dictamen-1.pdf")
    assert first.exit_code == 0, first.output
    digest = hashlib.sha256(b"%PDF dictamen de Auditora Internacional, S.C.").hexdigest()
    assert digest in first.output and "https://ine.example/dictamen-1.pdf" in first.output
    _refused(_cli("election", "schedule", *window), "voting.audits.missing")  # one firm

    # the same firm again, spelled otherwise, is still one firm
    same = _add(tmp_path, db, "AUDITORA  internacional S.C.", "--link", "https://ine.example/b")
    assert same.exit_code == 0
    _refused(_cli("election", "schedule", *window), "voting.audits.missing")

    # a second firm whose opinion is not yet public does not count
    second = _add(tmp_path, db, "Revisión de Sistemas Electorales, S.A.")
    assert second.exit_code == 0 and "sin publicar" in second.output
    _refused(_cli("election", "schedule", *window), "voting.audits.missing")
    _refused(_cli("election", "audit", "publish", ELECTION, "3", "--link", "ftp://x", "--db",
                  db), "voting.audits.bad_link")
    _refused(_cli("election", "audit", "publish", ELECTION, "9", "--link",
                  "https://ine.example/c", "--db", db), "voting.audits.unknown")
    assert _cli("election", "audit", "publish", ELECTION, "3", "--link",
                "https://ine.example/dictamen-2.pdf", "--db", db).exit_code == 0
    listed = _cli("election", "audit", "list", ELECTION, "--db", db).output
    assert "2 de 2" in listed and listed.count("https://ine.example/") == 3

    assert _cli("election", "schedule", *window).exit_code == 0
    public = TestClient(create_app(db, secret_key="test")).get("/integridad").text
    assert "https://ine.example/dictamen-2.pdf" in public and digest in public
    assert "Revisión de Sistemas Electorales, S.A." in public
    sessions = session_factory(make_engine(db))
    assert Board(sessions).election(ELECTION).audit_exemption == ""
    with transaction(sessions) as s:
        assert [e.action for e in events(s) if e.action.startswith("sivei_audit")] == [
            "sivei_audit_add"] * 3 + ["sivei_audit_publish"]


def test_an_audit_record_is_complete_and_consistent(tmp_path, ceremony_done):
    db, _window = _registered(tmp_path, ceremony_done)
    _refused(_add(tmp_path, db, "   "), "voting.audits.no_firm")
    backwards = _cli("election", "audit", "add", ELECTION, "--firm", "A", "--scope", "x",
                     "--from", "2026-03-01", "--to", "2026-02-01", "--opinion",
                     str(tmp_path / "no-such.pdf"), "--db", db)
    _refused(backwards, "voting.audits.no_opinion")
    (tmp_path / "d.pdf").write_bytes(b"x")
    _refused(_cli("election", "audit", "add", ELECTION, "--firm", "A", "--scope", "x",
                  "--from", "2026-03-01", "--to", "2026-02-01", "--opinion",
                  str(tmp_path / "d.pdf"), "--db", db), "voting.audits.bad_dates")
    _refused(_cli("election", "audit", "add", "otra-eleccion", "--firm", "A", "--scope", "x",
                  "--from", "2026-01-01", "--to", "2026-02-01", "--opinion",
                  str(tmp_path / "d.pdf"), "--db", db), "voting.board.unknown_election")


def test_only_simulacros_and_practice_elections_are_exempt(tmp_path, ceremony_done):
    db, window = _registered(tmp_path, ceremony_done)
    _refused(_cli("election", "schedule", *window, "--audit-exemption", "urgente"),
             "voting.audits.bad_exemption")
    # "practice" needs the election flagged as a practice election
    _refused(_cli("election", "schedule", *window, "--audit-exemption", "practice"),
             "voting.audits.not_practice")
    sessions = session_factory(make_engine(db))
    with transaction(sessions) as s:
        practice.flag(s, ELECTION)
    assert _cli("election", "schedule", *window, "--audit-exemption", "practice"
                ).exit_code == 0
    assert Board(sessions).election(ELECTION).audit_exemption == "practice"


def test_the_demo_names_its_exemption(tmp_path):
    db = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    done = _cli("sivei", "demo", "--voters", "1", "--db", db)
    assert done.exit_code == 0, done.output
    sessions = session_factory(make_engine(db))
    with sessions() as s:
        from vmre.voting.models import Election

        (election,) = s.query(Election).all()
        assert election.state == "scheduled" and election.audit_exemption == "simulacro"
