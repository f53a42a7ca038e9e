"""Any Mexican living in any country may register (LGIPE art. 329): the form offers every
ISO 3166-1 country but Mexico, in Spanish, in the order a Spanish reader expects, and the
server checks the same list."""

from __future__ import annotations

import re

from sqlalchemy import select

from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.registry.models import Request

from .conftest import csrf_of, files_for, form_for


def _submit(env, data, files, lang="es"):
    csrf = csrf_of(env.client.get(f"/registro/solicitud?lang={lang}").text)
    return env.client.post(f"/registro/solicitud?lang={lang}", data={**data, "csrf": csrf},
                           files=files)


def test_form_offers_every_country_but_mexico_in_spanish_order(env):
    page = env.client.get("/registro/solicitud?lang=es").text
    select_html = page[page.index('name="country"'):]
    select_html = select_html[:select_html.index("</select>")]
    options = re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', select_html)
    codes = [code for code, _ in options]
    assert len(codes) > 240 and "MX" not in codes
    names = dict(options)
    assert names["NP"] == "Nepal" and names["BE"] == "Bélgica" and names["DE"] == "Alemania"
    assert codes.index("AT") < codes.index("BE") < codes.index("CA")  # Austria, Bélgica, Canadá
    assert codes.index("BE") < codes.index("BZ")  # Bélgica before Belice: the accent is ignored
    english = env.client.get("/registro/solicitud?lang=en").text
    assert '<option value="DE">Germany</option>' in english


def test_request_from_nepal_is_accepted_and_from_mexico_refused(env, smtp_server):
    record = env.good_records()[3]
    r = _submit(env, form_for(record, country="NP", region="Bagmati", city="Katmandú",
                              postal_code="44600", street="Thamel Marg 12"), files_for(record))
    assert r.status_code == 200, r.text
    folio = re.search(r"SRVE-[0-9A-Z]{10}", r.text).group(0)
    with transaction(env.app.state.sessions) as s:
        assert s.scalar(select(Request.country).where(Request.folio == folio)) == "NP"

    other = env.good_records()[4]
    refused = _submit(env, form_for(other, country="MX"), files_for(other))
    assert refused.status_code == 422
    assert text("registry.field.not_abroad", "es") in refused.text
    unknown = _submit(env, form_for(other, country="ZZ"), files_for(other))
    assert unknown.status_code == 422
    assert text("registry.field.choice", "es") in unknown.text


def test_api_takes_any_country_abroad_and_refuses_mexico(env, smtp_server):
    from .test_api import _json_request

    ok = env.client.post("/api/v1/registry/requests",
                         json={**_json_request(env.good_records()[6]), "country": "np",
                               "postal_code": "44600"})
    assert ok.status_code == 201, ok.text
    refused = env.client.post("/api/v1/registry/requests",
                              json={**_json_request(env.good_records()[7], lang="en"),
                                    "country": "MX"})
    assert refused.status_code == 422
    assert refused.json()["errors"]["country"] == text("registry.field.not_abroad", "en")



def test_postal_code_only_where_the_country_uses_them(env, smtp_server):
    record = env.good_records()[9]
    hong_kong = _submit(env, form_for(record, country="HK", region="Kowloon", city="Hong Kong",
                                      postal_code="", street="88 Nathan Road"), files_for(record))
    assert hong_kong.status_code == 200, hong_kong.text
    other = env.good_records()[10]
    chicago = _submit(env, form_for(other, postal_code=""), files_for(other))
    assert chicago.status_code == 422
    assert text("registry.field.required", "es") in chicago.text
    assert 'id="e-postal_code"' in chicago.text
