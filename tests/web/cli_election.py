"""An internet election run the way its people run it: the custodian's ceremony and the
server's steps through the `vmre` command line, ballots cast over the HTTP API."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "voting_web"))
from sivei_setup import activate_totp, csrf, login, next_code

from vmre.cli import app, register_parts
from vmre.core.database import transaction
from vmre.crypto import credentials as creds
from vmre.crypto.group import random_scalar
from vmre.simulacro.run import default_manifest_text
from vmre.voting import accounts
from vmre.voting.ballot import encrypt_ballot
from vmre.voting.context import ElectionContext
from vmre.voting.credential_list import sign_credential_list
from vmre.voting.manifest import parse_manifest

PHRASE = "frase de paso del custodio único"


class CliElection:
    def __init__(self, tmp_path: Path, db: str) -> None:
        register_parts()
        self.cli = CliRunner()
        self.tmp, self.db = tmp_path, db
        self.shared = tmp_path / "compartida"
        self.secret = str(tmp_path / "custodio-1.secreto")
        self.election_id = ""
        self.voters: list[creds.Credential] = []

    def run(self, *args: str, passphrase: bool = False, confirm: bool = False) -> str:
        typed = (PHRASE + "\n") * (2 if confirm else 1) if passphrase else None
        result = self.cli.invoke(app, list(args), input=typed)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.output

    def register(self, voters: dict[str, str]) -> str:
        """Ceremony (one custodian), registration on the server and the credential list;
        `voters` maps a name to the entity of each voter."""
        manifest = self.tmp / "manifiesto.yaml"
        manifest.write_text(default_manifest_text(), encoding="utf-8")
        self.run("ceremony", "init", str(manifest), "--custodians", "1", "--threshold", "1",
                 "--dir", str(self.shared))
        self.run("ceremony", "keygen", "--custodian", "1", "--secret", self.secret, "--dir",
                 str(self.shared), passphrase=True, confirm=True)
        for step in ("deal", "check"):
            self.run("ceremony", step, "--custodian", "1", "--secret", self.secret, "--dir",
                     str(self.shared), passphrase=True)
        self.run("ceremony", "finalize", "--dir", str(self.shared))
        self.run("election", "register", "--dir", str(self.shared), "--db", self.db)
        self.election_id = json.loads((self.shared / "election.json").read_text())["election_id"]
        pairs = []
        for entity in voters.values():
            voter = creds.generate(self.election_id)
            self.voters.append(voter)
            pairs.append((voter.public, entity))
        listing = self.tmp / "credenciales.json"
        listing.write_text(json.dumps(sign_credential_list(self.election_id, random_scalar(),
                                                           pairs)))
        self.run("election", "credentials", self.election_id, str(listing), "--db", self.db)
        return self.election_id

    def schedule(self, opens: str, closes: str) -> None:
        """The two published audits the window needs (docs/ceremony.md), then the window."""
        if "Empresas distintas con dictamen publicado: 2" not in self.run(
                "election", "audit", "list", self.election_id, "--db", self.db):
            for n, firm in enumerate(("Auditora Uno, S.C.", "Revisores Dos, S.A."), 1):
                opinion = self.tmp / f"dictamen-{n}.pdf"
                opinion.write_bytes(f"dictamen de {firm}".encode())
                self.run("election", "audit", "add", self.election_id, "--firm", firm,
                         "--scope", "SIVEI", "--from", "2026-01-05", "--to", "2026-02-05",
                         "--opinion", str(opinion), "--link", f"https://ine.example/d{n}",
                         "--db", self.db)
        self.run("election", "schedule", self.election_id, opens, closes, "--db", self.db)

    def cast(self, client: TestClient, index: int, entity: str, selections: dict) -> None:
        info = client.get(f"/api/v1/elections/{self.election_id}").json()
        manifest = parse_manifest(json.dumps(info["manifest"], ensure_ascii=False))
        context = ElectionContext.from_json(manifest, info["context"])
        assert context.base_hash.hex() == info["context"]["base_hash"]
        voter = self.voters[index]
        ballot, _ = encrypt_ballot(context, entity,
                                   creds.signing_key(self.election_id, voter.secret), selections)
        browser, headers = self.signed_in(client, index, entity, voter)
        reply = browser.post(f"/api/v1/elections/{self.election_id}/ballots",
                             json={"ballot": ballot}, headers=headers)
        assert reply.status_code == 201, reply.text

    def signed_in(self, client: TestClient, index: int, entity: str, voter: creds.Credential
                  ) -> tuple[TestClient, dict]:
        """The voter's own browser: the account the registry's hand-over would have made,
        bound to this voter's public credential, activated (TOTP) and signed in."""
        email, phone = f"votante{index}@correo.example", f"+1 415 555 {1000 + index:04d}"
        with transaction(client.app.state.sessions) as s:
            account = accounts.enrol(s, self.election_id, entity, email, phone,
                                     voter.public.hex())
            token = accounts.new_activation(account)
        browser = TestClient(client.app)
        secret = activate_totp(browser, token, phone)
        home = login(browser, email, next_code(secret))
        assert home.status_code == 200, home.text
        return browser, {"X-CSRF-Token": csrf(home.text)}

    def close_and_decrypt(self) -> Path:
        """Close the board; the custodian decrypts the aggregate; the closing folder."""
        closing = self.tmp / "cierre"
        self.run("election", "close", self.election_id, "--out", str(closing), "--db", self.db)
        return closing

    def decrypt(self, closing: Path) -> Path:
        share = self.tmp / "parte-1.json"
        self.run("ceremony", "decrypt", str(closing / "aggregate.json"), str(share),
                 "--custodian", "1", "--secret", self.secret, "--dir", str(self.shared),
                 passphrase=True)
        return share

    def tally_args(self, closing: Path, share: Path) -> list[str]:
        return ["election", "tally", self.election_id, str(share), "--closing-dir",
                str(closing), "--dir", str(self.shared), "--record",
                str(self.tmp / "registro"), "--db", self.db]

    def close_and_tally(self) -> str:
        closing = self.close_and_decrypt()
        return self.run(*self.tally_args(closing, self.decrypt(closing)))


def window_now() -> tuple[str, str]:
    now = dt.datetime.now(dt.UTC)
    return ((now - dt.timedelta(minutes=5)).isoformat(), (now + dt.timedelta(hours=1)).isoformat())
