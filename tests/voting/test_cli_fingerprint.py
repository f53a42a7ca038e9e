"""The fingerprint is fixed once by the server's commands and pins the credential authority
(docs/record.md §2.4, docs/ceremony.md)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.database import make_engine, session_factory
from vmre.core.messages import UserError
from vmre.crypto import credentials as creds
from vmre.crypto.group import base_mul, random_scalar
from vmre.voting import fingerprint as fingerprints
from vmre.voting.board import Board
from vmre.voting.credential_list import sign_credential_list

ELECTION = "pel-2024-extranjero"


def _cli(*args: str):
    register_parts()
    return CliRunner().invoke(app, list(args))


def _refused(result, key: str) -> None:
    assert result.exit_code != 0
    assert isinstance(result.exception, UserError) and result.exception.key == key, \
        (result.output, result.exception)


def _listing(tmp_path, name: str, issuer: int):
    path = tmp_path / name
    path.write_text(json.dumps(sign_credential_list(
        ELECTION, issuer, [(creds.generate(ELECTION).public, "JAL")])))
    return str(path)


def _printed(output: str) -> str:
    found = re.findall(r"fingerprint: ([0-9a-f]{64})", output)
    assert found, output
    return found[0]


def test_register_with_the_issuer_key_fixes_and_pins(tmp_path, ceremony_done):
    shutil.copytree(ceremony_done, tmp_path / "c")
    folder, db = str(tmp_path / "c" / "ceremony"), f"sqlite:///{tmp_path / 'server.sqlite'}"
    issuer = random_scalar()
    _refused(_cli("election", "register", "--dir", folder, "--db", db, "--postal", "JAL,ZZZ"),
             "voting.board.bad_postal")
    done = _cli("election", "register", "--dir", folder, "--db", db, "--issuer",
                base_mul(issuer).hex(), "--postal", "jal, cdmx")
    assert done.exit_code == 0, done.output
    value, inputs = Board(session_factory(make_engine(db))).fingerprint(ELECTION)
    assert _printed(done.output) == value == fingerprints.fingerprint(inputs)
    assert inputs["modalities"] == {"internet": True, "postal": ["CDMX", "JAL"]}
    assert inputs["issuer_key"] == base_mul(issuer).hex()

    _refused(_cli("election", "register", "--dir", folder, "--db", db, "--policy", "last"),
             "voting.board.already_registered")
    _refused(_cli("election", "credentials", ELECTION, _listing(tmp_path, "otra.json",
                                                                random_scalar()), "--db", db),
             "voting.credentials.wrong_issuer")
    loaded = _cli("election", "credentials", ELECTION, _listing(tmp_path, "lista.json", issuer),
                  "--db", db)
    assert loaded.exit_code == 0 and _printed(loaded.output) == value
    shown = _cli("election", "fingerprint", ELECTION, "--db", db)
    assert shown.exit_code == 0 and _printed(shown.output) == value
    assert json.loads(shown.output.split("\nHuella")[0]) == inputs


def test_first_list_pins_its_signer_and_the_window_waits_for_the_fingerprint(
        tmp_path, ceremony_done):
    shutil.copytree(ceremony_done, tmp_path / "c")
    folder, db = str(tmp_path / "c" / "ceremony"), f"sqlite:///{tmp_path / 'server.sqlite'}"
    done = _cli("election", "register", "--dir", folder, "--db", db)
    assert done.exit_code == 0 and not re.search(r"[0-9a-f]{64}", done.output)  # not fixed
    now = dt.datetime.now(dt.UTC)
    window = [(now - dt.timedelta(minutes=1)).isoformat(), (now + dt.timedelta(hours=1))
              .isoformat()]
    window += ["--audit-exemption", "simulacro"]  # a mock election (docs/ceremony.md)
    _refused(_cli("election", "schedule", ELECTION, *window, "--db", db),
             "voting.board.no_fingerprint")
    issuer = random_scalar()
    first = _cli("election", "credentials", ELECTION, _listing(tmp_path, "a.json", issuer),
                 "--db", db)
    assert first.exit_code == 0, first.output
    value = _printed(first.output)
    _refused(_cli("election", "credentials", ELECTION, _listing(tmp_path, "b.json",
                                                                random_scalar()), "--db", db),
             "voting.credentials.wrong_issuer")
    again = _cli("election", "credentials", ELECTION, _listing(tmp_path, "c.json", issuer),
                 "--db", db)
    assert again.exit_code == 0 and _printed(again.output) == value  # same key: allowed
    assert _cli("election", "schedule", ELECTION, *window, "--db", db).exit_code == 0


def test_migration_fixes_the_fingerprint_of_an_election_with_a_list(db_url, ready):
    """An election registered before fingerprints existed: the upgrade pins its list's signer
    and fixes the fingerprint the server would have fixed at that first list."""
    from alembic import command
    from sqlalchemy import text

    from vmre.core.database import alembic_config, migrate

    engine = make_engine(db_url)
    value, _inputs = ready.board.fingerprint(ELECTION)  # internet only, pinned at the first list
    command.downgrade(alembic_config(engine), "voting_0004")
    migrate(engine)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT fingerprint, issuer_key FROM voting_elections")).one()
    engine.dispose()
    assert row == (value, base_mul(ready.issuer).hex())
