"""The identity page as an administrator uses it in headless Chromium: the form has no axe-core
violation and no console error; a name, a colour and an emblem chosen from a file are saved,
and the public home page then shows them (the header's computed colour, the new emblem
drawn), with no cached copy of the old ones in the way."""

from __future__ import annotations

import pytest
from live_server import LiveServer

from staff_login import sign_in_page
from vmre.core import identity
from vmre.core.database import transaction
from vmre.core.staff import Role, create_user
from vmre.web.app import create_app

pytestmark = pytest.mark.browser
EMBLEM = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="40" height="40">'
          '<title>Escudo del navegador</title><rect width="10" height="10" fill="#1a237e"/>'
          '</svg>')


def test_an_administrator_saves_the_identity_and_the_home_page_shows_it(
        browser, axe_source, tmp_path, monkeypatch):
    monkeypatch.delenv(identity.ENV, raising=False)  # the shipped example until a save
    app = create_app(f"sqlite:///{tmp_path / 'vmre.sqlite'}")
    with transaction(app.state.sessions) as s:
        create_user(s, "jefa", "contraseña-de-prueba", [Role.ADMINISTRATOR])
    svg = tmp_path / "escudo.svg"
    svg.write_text(EMBLEM, "utf-8")
    with LiveServer(app) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{server.url}/?lang=es")
        old_colour = page.evaluate(
            "getComputedStyle(document.querySelector('header.site')).backgroundColor")
        sign_in_page(page, server.url, "jefa", lang="es")
        page.goto(f"{server.url}/admin/identidad/?lang=es")
        page.evaluate(axe_source)
        result = page.evaluate("async () => await axe.run(document, "
                               "{resultTypes: ['violations']})")
        assert [(v["id"], [n["target"] for n in v["nodes"]][:3])
                for v in result["violations"]] == []
        page.fill("#f-name_es", "Instituto del Navegador")
        page.fill("#f-primary", "#1a237e")
        page.set_input_files("#f-emblem", str(svg))
        page.fill("#f-phone-0-number", "+1 888 555 0177")
        page.click("form[action='/admin/identidad/'] button[type=submit]")
        page.wait_for_selector("#identity-saved")
        page.goto(f"{server.url}/?lang=es")
        header = page.locator("header.site")
        assert "Instituto del Navegador" in header.inner_text()
        colour = page.evaluate(
            "getComputedStyle(document.querySelector('header.site')).backgroundColor")
        assert colour == "rgb(26, 35, 126)" != old_colour
        drawn = page.evaluate("(() => { const i = document.querySelector('img.emblem');"
                              " return [i.complete, i.naturalWidth, i.src]; })()")
        assert drawn[0] and drawn[1] > 0 and "?v=" in drawn[2]
        emblem = page.request.get(drawn[2])
        assert "Escudo del navegador" in emblem.text()
        assert "+1 888 555 0177" in page.locator("footer.site").inner_text()
        assert errors == []
        context.close()
