"""The card figures as a Spanish reader expects them: countries by their Spanish names (not
their codes), consulates in the order of their names with accents ignored ("Ámsterdam"
with the A's, not after "Zúrich")."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from staff_login import sign_in
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

REQUESTS = ("request_id,consulate,country,appointment_date,entity,mechanism,email,phone\n"
            "Q1,Zúrich,CH,2018-05-01,JAL,home,q1@correo.example,\n"
            "Q2,Ámsterdam,NL,2017-05-01,GTO,home,q2@correo.example,\n"
            "Q3,Berlín,DE,2017-05-01,GTO,home,q3@correo.example,\n"
            "Q4,Chicago,US,2017-05-01,GTO,home,q4@correo.example,\n")


def test_countries_and_consulates_in_spanish_order(sqlite_url):
    app = create_app(sqlite_url)
    with transaction(app.state.sessions) as s:
        create_user(s, "sup", "contraseña-de-prueba", [Role.SUPERVISOR])
    client = TestClient(app)
    sign_in(client, "sup", "contraseña-de-prueba")
    page = client.get("/admin/cards/")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    done = client.post("/admin/cards/requests/import", data={"csrf": token},
                       files={"file": ("r.csv", REQUESTS)})
    assert done.status_code == 200, done.text

    def first_column(by: str) -> list[str]:
        html = client.get(f"/admin/cards/?by={by}&lang=es").text
        return re.findall(r"<tr><td>([^<]+)</td><td>\d+</td></tr>", html)

    # codes would give CH, DE, NL, US
    assert first_column("country") == ["Alemania", "Estados Unidos", "Países Bajos", "Suiza"]
    assert first_column("consulate") == ["Ámsterdam", "Berlín", "Chicago", "Zúrich"]
