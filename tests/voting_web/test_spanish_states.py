"""The voting administration in Spanish: an election's state is a word of the catalogue
("programada", "cerrada"), never the stored value; a custodian's disqualification is said in
the reader's language wherever it is shown (the ceremony's command, the acts)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient
from sivei_setup import ELECTION, voting_site

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.core.staff import Role, create_user
from vmre.simulacro.run import default_manifest_text

VMRE = str(Path(sys.executable).with_name("vmre"))


def test_election_states_are_words(sqlite_url, tmp_path):
    app, _ctx, _voters = voting_site(sqlite_url, tmp_path, 1, open_now=True)
    with transaction(app.state.sessions) as s:
        create_user(s, "jefa", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    client = TestClient(app)
    sign_in(client, "jefa", "contraseña-de-prueba")
    listing = client.get("/admin/sivei/?lang=es")
    assert f"<td>{text('sivei.state.scheduled', 'es')}</td>" in listing.text
    assert "<td>scheduled</td>" not in listing.text
    page = client.get(f"/admin/sivei/{ELECTION}?lang=en")
    assert f"<strong>{text('sivei.state.scheduled', 'en')}</strong>" in page.text


def test_a_disqualification_is_said_in_spanish(tmp_path):
    def vmre(*args: str, stdin: str = "") -> str:
        out = subprocess.run([VMRE, *args], input=stdin, capture_output=True, text=True,
                             timeout=300)
        assert out.returncode == 0, out.stderr
        return out.stdout

    manifest = tmp_path / "manifiesto.yaml"
    manifest.write_text(default_manifest_text(), encoding="utf-8")
    shared = tmp_path / "compartida"
    vmre("ceremony", "init", str(manifest), "--custodians", "3", "--threshold", "2",
         "--dir", str(shared))
    phrase = {i: f"frase de paso del custodio {i}\n" for i in (1, 2, 3)}
    secret = {i: str(tmp_path / f"custodio-{i}.secreto") for i in (1, 2, 3)}
    for i in (1, 2, 3):
        vmre("ceremony", "keygen", "--custodian", str(i), "--secret", secret[i], "--dir",
             str(shared), stdin=phrase[i] * 2)
    # custodian 3 publishes custodian 2's proofs: well formed, but not of its own key
    third, second = (json.loads((shared / f"announce-{i}.json").read_text()) for i in (3, 2))
    third["proofs"] = second["proofs"]
    (shared / "announce-3.json").write_text(json.dumps(third), encoding="utf-8")
    for step in ("deal", "check"):
        for i in (1, 2, 3):
            vmre("ceremony", step, "--custodian", str(i), "--secret", secret[i], "--dir",
                 str(shared), stdin=phrase[i])
    out = vmre("ceremony", "finalize", "--dir", str(shared))
    assert f"3: {text('sivei.disqualified.invalid_proof', 'es')}" in out
    assert "invalid proof of knowledge" not in out
