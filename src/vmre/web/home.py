"""The public front door: what a citizen, a voter or an observer can do, one link each.

The links are the parts' public addresses; the shell names them without importing the parts.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from vmre.web.templating import render

router = APIRouter(include_in_schema=False)

# (address, catalogue key of the title, catalogue key of the one-line description)
DOORS = (
    ("/registro/", "web.home.registro.title", "web.home.registro.body"),
    ("/voto/", "web.home.voto.title", "web.home.voto.body"),
    ("/tablero", "web.home.tablero.title", "web.home.tablero.body"),
    ("/resultados", "web.home.resultados.title", "web.home.resultados.body"),
    ("/actas", "web.home.actas.title", "web.home.actas.body"),
    ("/integridad", "web.home.integridad.title", "web.home.integridad.body"),
    ("/ayuda", "web.home.ayuda.title", "web.home.ayuda.body"),
)


@router.get("/")
def home(request: Request):
    doors = [{"href": href, "title": title, "body": body} for href, title, body in DOORS]
    return render(request, "home.html", doors=doors)
