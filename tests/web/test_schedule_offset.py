"""A voting window given with an offset is kept as the instant it names, on both databases:
scheduled through the command line, read back over the API, shown on the staff page in the
election's zone, and enforced when a ballot arrives."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from cli_election import CliElection
from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

MEXICO = ZoneInfo("America/Mexico_City")


def _staff_client(app) -> TestClient:
    with transaction(app.state.sessions) as s:
        create_user(s, "jefa", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    client = TestClient(app)
    assert sign_in(client, "jefa", "contraseña-de-prueba").status_code == 200
    return client


def test_window_with_offset_opens_at_the_instant_it_names(tmp_path, db_url):
    election = CliElection(tmp_path, db_url)
    election_id = election.register({"ana": "PUE"})
    election.schedule("2026-11-30T09:00:00-06:00", "2026-11-30T18:00:00-06:00")
    app = create_app(db_url, secret_key="test")
    info = TestClient(app).get(f"/api/v1/elections/{election_id}").json()
    assert dt.datetime.fromisoformat(info["opens_at"]) == dt.datetime(2026, 11, 30, 15, 0,
                                                                      tzinfo=dt.UTC)
    assert info["opens_at"].endswith("+00:00")
    assert dt.datetime.fromisoformat(info["closes_at"]) == dt.datetime(2026, 12, 1, 0, 0,
                                                                       tzinfo=dt.UTC)
    page = _staff_client(app).get(f"/admin/sivei/{election_id}")
    assert 'value="2026-11-30T09:00"' in page.text and 'value="2026-11-30T18:00"' in page.text


def test_window_in_mexico_city_time_is_open_for_its_whole_length(tmp_path, db_url):
    """Stored as bare digits read as UTC, a window closing three hours from now in Mexico City
    (UTC-6) would have closed three hours ago and the ballot would be refused."""
    election = CliElection(tmp_path, db_url)
    election.register({"ana": "PUE"})
    now = dt.datetime.now(MEXICO).replace(microsecond=0)
    election.schedule((now - dt.timedelta(hours=1)).isoformat(),
                      (now + dt.timedelta(hours=3)).isoformat())
    client = TestClient(create_app(db_url, secret_key="test"))
    election.cast(client, 0, "PUE", {"gob-pue": "morena"})
    info = client.get(f"/api/v1/elections/{election.election_id}").json()
    assert info["ballots"] == 1


def test_schedule_prints_the_window_on_mexico_city_clock_in_peoples_format(tmp_path, db_url):
    """`vmre election schedule` as the operator types it (a subprocess): a window closing at
    00:30 UTC on 1 December closes on 30 November in Mexico City, and says so the one way
    people read times."""
    election = CliElection(tmp_path, db_url)
    election_id = election.register({"ana": "PUE"})
    for n, firm in enumerate(("Auditora Uno, S.C.", "Revisores Dos, S.A."), 1):
        opinion = tmp_path / f"dictamen-{n}.pdf"
        opinion.write_bytes(f"dictamen de {firm}".encode())
        election.run("election", "audit", "add", election_id, "--firm", firm, "--scope",
                     "SIVEI", "--from", "2026-01-05", "--to", "2026-02-05", "--opinion",
                     str(opinion), "--link", f"https://ine.example/d{n}", "--db", db_url)
    vmre = str(Path(sys.executable).with_name("vmre"))
    done = subprocess.run([vmre, "election", "schedule", election_id,
                           "2026-11-30T15:00:00+00:00", "2026-12-01T00:30:00+00:00",
                           "--db", db_url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (f"Votación de {election_id} programada de 30 de noviembre de 2026, 09:00 (hora "
            "del centro de México) a 30 de noviembre de 2026, 18:30 (hora del centro de "
            "México).") in done.stdout
    listed = subprocess.run([vmre, "election", "audit", "list", election_id, "--db", db_url],
                            capture_output=True, text=True, timeout=300).stdout
    assert "5 de enero de 2026…5 de febrero de 2026" in listed and "2026-01-05" not in listed
    public = TestClient(create_app(db_url, secret_key="test")).get("/integridad?lang=es").text
    assert "<td>5 de enero de 2026 – 5 de febrero de 2026</td>" in public
    assert "2026-01-05" not in public
