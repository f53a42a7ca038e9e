"""Custodians upload their partial decryptions on the staff page in any order; the record
anyone downloads then lists as used the `t` lowest-numbered valid shares, as docs/record.md
§11 says, so it verifies even when a lower-numbered custodian's share arrives last."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sivei_setup import csrf

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.record.verifier import verify_record
from vmre.simulacro.election import open_election
from vmre.simulacro.run import passphrase
from vmre.voting import closing
from vmre.voting.ballot import encrypt_ballot
from vmre.web.app import create_app


def test_a_lower_numbered_share_arriving_after_the_results(sqlite_url, tmp_path):
    ready = open_election(tmp_path / "eleccion", sqlite_url, entities=("JAL", "JAL", "JAL"),
                          custodians=3, threshold=2)
    eid = ready.ctx.election_id
    for voter, choice in ((0, "pan+pri"), (1, "mc"), (2, "mc")):
        ballot, _ = encrypt_ballot(ready.ctx, "JAL", ready.key(voter),
                                   {"gob-jal": choice, "dip-migrante-jal": "nulo"})
        ready.board.cast(eid, ballot)
    app = create_app(sqlite_url, secret_key="test")
    with transaction(app.state.sessions) as s:
        create_user(s, "admin", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    client = TestClient(app)
    assert sign_in(client, "admin", "contraseña-de-prueba").status_code == 200
    page = client.get(f"/admin/sivei/{eid}")
    client.post(f"/admin/sivei/{eid}/cerrar", data={"csrf": csrf(page.text)})
    aggregate = client.get(f"/api/v1/elections/{eid}/aggregate").json()
    secrets = ready.folder / "custodians"
    token = csrf(client.get(f"/admin/sivei/{eid}/computo").text)
    for j in (3, 2, 1):  # custodians 3 and 2 give the results; custodian 1 sends its own later
        share = closing.custodian_decrypt(ready.ceremony, aggregate, j,
                                          passphrase(j, ready.seed),
                                          str(secrets / f"custodian-{j}.secret"))
        sent = client.post(f"/admin/sivei/{eid}/computo", data={"csrf": token},
                           files={"upload": ("share.json", json.dumps(share).encode())})
        assert sent.status_code == 200, sent.text
    download = client.get(f"/expediente/{eid}.zip")
    assert download.status_code == 200
    (tmp_path / "expediente.zip").write_bytes(download.content)
    report = verify_record(tmp_path / "expediente.zip")
    assert report.ok, report.failures
    assert report.results["custodians_used"] == [1, 2]
    assert report.results["contests"]["gob-jal"]["counts"]["mc"] == 2
