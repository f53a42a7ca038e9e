"""The ceremonies as separate people run them: one command per step, files in a shared folder,
passphrases typed at the prompt; then the server's steps and the record, verified."""

from __future__ import annotations

import datetime as dt
import json

from typer.testing import CliRunner

from vmre.cli import app, register_parts
from vmre.core.database import make_engine, session_factory
from vmre.crypto import credentials as creds
from vmre.crypto.group import random_scalar
from vmre.record.verifier import verify_record
from vmre.simulacro.run import default_manifest_text
from vmre.voting.ballot import encrypt_ballot
from vmre.voting.board import Board
from vmre.voting.credential_list import sign_credential_list


def test_ceremonies_and_server_steps_through_the_command_line(tmp_path):
    register_parts()
    cli = CliRunner()
    shared, db = tmp_path / "compartida", f"sqlite:///{tmp_path / 'servidor.sqlite'}"
    (tmp_path / "manifiesto.yaml").write_text(default_manifest_text(), encoding="utf-8")

    def run(*args: str, passphrase: str | None = None, confirm: bool = False) -> str:
        typed = None if passphrase is None else (passphrase + "\n") * (2 if confirm else 1)
        result = cli.invoke(app, list(args), input=typed)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.output

    run("ceremony", "init", str(tmp_path / "manifiesto.yaml"), "--custodians", "3",
        "--threshold", "2", "--dir", str(shared))
    secret = {i: str(tmp_path / f"custodio-{i}.secreto") for i in (1, 2, 3)}
    phrase = {i: f"frase de paso del custodio {i}" for i in (1, 2, 3)}
    for i in (1, 2, 3):
        run("ceremony", "keygen", "--custodian", str(i), "--secret", secret[i], "--dir",
            str(shared), passphrase=phrase[i], confirm=True)
    for step in ("deal", "check"):
        for i in (1, 2, 3):
            run("ceremony", step, "--custodian", str(i), "--secret", secret[i], "--dir",
                str(shared), passphrase=phrase[i])
    wrong = cli.invoke(app, ["ceremony", "deal", "--custodian", "1", "--secret", secret[1],
                             "--dir", str(shared)], input="otra frase\n")
    assert wrong.exit_code != 0
    assert "frase de paso incorrecta" in str(wrong.exception)
    assert "1, 2, 3" in run("ceremony", "finalize", "--dir", str(shared))

    run("election", "register", "--dir", str(shared), "--db", db)
    election_id = json.loads((shared / "election.json").read_text())["election_id"]
    voter = creds.generate(election_id)
    listing = tmp_path / "credenciales.json"
    listing.write_text(json.dumps(sign_credential_list(election_id, random_scalar(),
                                                       [(voter.public, "PUE")])))
    run("election", "credentials", election_id, str(listing), "--db", db)
    now = dt.datetime.now(dt.UTC)
    run("election", "schedule", election_id, (now - dt.timedelta(minutes=5)).isoformat(),
        (now + dt.timedelta(hours=1)).isoformat(), "--db", db, "--audit-exemption", "simulacro")

    board = Board(session_factory(make_engine(db)))
    ctx = board.election(election_id)
    from vmre.voting.board import loaded

    context = loaded(ctx).context
    ballot, _ = encrypt_ballot(context, "PUE", creds.signing_key(election_id, voter.secret),
                               {"gob-pue": "pan+pri+prd"})
    board.cast(election_id, ballot)

    closing = tmp_path / "cierre"
    run("election", "close", election_id, "--out", str(closing), "--db", db)
    shares = []
    for i in (1, 3):  # custodian 2 is absent
        out = tmp_path / f"parte-{i}.json"
        run("ceremony", "decrypt", str(closing / "aggregate.json"), str(out), "--custodian",
            str(i), "--secret", secret[i], "--dir", str(shared), passphrase=phrase[i])
        shares.append(str(out))
    record = tmp_path / "registro"
    output = run("election", "tally", election_id, *shares, "--closing-dir", str(closing),
                 "--dir", str(shared), "--record", str(record), "--db", db)
    assert '"pan+pri+prd": 1' in output
    report = verify_record(record)
    assert report.ok, report.failures
    assert report.results["contests"]["gob-pue"]["counts"]["pan+pri+prd"] == 1
    assert report.results["custodians_used"] == [1, 3]
