"""The registry's one-time links fail closed: a confirmation or change token that is
truncated, lengthened, garbled, already used or (for a change) expired opens nothing and
answers the catalogue's refusal; the untouched token still works, so the check is reached."""

from __future__ import annotations

import datetime as dt
import html

from sqlalchemy import select

from vmre.core.database import transaction
from vmre.core.messages import text
from vmre.registry import service
from vmre.registry.models import Request

from .conftest import ELECTION, files_for, form_for


def _altered(token: str) -> dict[str, str]:
    flipped = token[:4] + ("A" if token[4] != "A" else "B") + token[5:]
    return {"truncated": token[:-1], "half": token[: len(token) // 2],
            "lengthened": token + "A", "garbled": flipped, "reversed": token[::-1],
            "upper-cased": token.upper() if token.upper() != token else token.lower()}


def _refused(r, key: str, name: str) -> None:
    assert r.status_code == 404, name
    assert text(key, "es") in html.unescape(r.text), name


def _submitted(env) -> tuple[str, str]:
    record = env.good_records()[0]
    files = {k: v[1] for k, v in files_for(record).items()}
    with transaction(env.app.state.sessions) as s:
        req, token = service.submit(s, ELECTION, form_for(record), files)
        return req.folio, token


def test_an_altered_confirmation_token_confirms_nothing(env):
    folio, token = _submitted(env)
    for name, altered in _altered(token).items():
        _refused(env.client.get(f"/registro/confirmar/{altered}"), "registry.confirm.invalid",
                 name)
    with transaction(env.app.state.sessions) as s:
        assert s.scalar(select(Request).where(Request.folio == folio)).email_confirmed_at is None
    assert env.client.get(f"/registro/confirmar/{token}").status_code == 200
    _refused(env.client.get(f"/registro/confirmar/{token}"), "registry.confirm.invalid", "used")


def _change_token(env) -> tuple[str, str]:
    folio, token = _submitted(env)
    with transaction(env.app.state.sessions) as s:
        req = service.confirm_email(s, token)
        service.ask_correction(s, req, "revisor", ["address"])
        return folio, service.new_change_token(s, req)


def test_an_altered_change_token_opens_no_form_and_changes_nothing(env):
    _, token = _change_token(env)
    csrf = env.csrf()
    for name, altered in _altered(token).items():
        _refused(env.client.get(f"/registro/corregir/{altered}"), "registry.change.invalid",
                 name)
        _refused(env.client.post(f"/registro/corregir/{altered}",
                                 data={"street": "Otra calle 1", "csrf": csrf}),
                 "registry.change.invalid", name)
    assert env.client.get(f"/registro/corregir/{token}").status_code == 200


def test_an_expired_change_token_opens_nothing(env):
    folio, token = _change_token(env)
    with transaction(env.app.state.sessions) as s:
        req = s.scalar(select(Request).where(Request.folio == folio))
        req.change_token_expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    _refused(env.client.get(f"/registro/corregir/{token}"), "registry.change.invalid", "expired")
    _refused(env.client.post(f"/registro/corregir/{token}",
                             data={"street": "Otra calle 1", "csrf": env.csrf()}),
             "registry.change.invalid", "expired")
