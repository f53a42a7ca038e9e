"""Internet voters who vote the way a person does: from the link in the access mail to the
receipt, over HTTP against the web application (uvicorn on loopback, the simulacro's
database).

Each one opens the activation link, types the last four digits of the phone given on the
registration form, sets up an authenticator app (TOTP), chooses a password, signs in with
password and code, and casts the ballot the browser encrypts with the code from the link's
fragment; some first audit a ballot (Benaloh) and some try to vote twice. Each browser
comes through the deployment's reverse proxy with its own address (X-Forwarded-For, which
uvicorn takes from loopback), so the per-address limits apply to each voter as to a person.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass

import httpx
import pyotp

from vmre.core.messages import UserError
from vmre.crypto import credentials
from vmre.simulacro.registration import InternetVoter
from vmre.voting.ballot import encrypt_ballot, reveal
from vmre.voting.context import ElectionContext

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_CSRF_META = re.compile(r'name="csrf-token" content="([^"]+)"')
_TOTP_SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')


class WebServer:
    """`vmre.web.app` served by uvicorn in a thread, on a free loopback port."""

    def __init__(self, database: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._database = database
        self._server = None
        self._app = None
        self._thread: threading.Thread | None = None

    def start(self) -> WebServer:
        import uvicorn

        from vmre.web.app import create_app

        app = self._app = create_app(self._database, run_migrations=False)
        # loopback is this deployment's configured reverse proxy (as `vmre serve --forwarded`)
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, proxy_headers=True,
                                forwarded_allow_ips="127.0.0.1")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="simulacro-web",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 60
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the simulacro's web server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = None
            # its connections closed, so that SQLite folds its log into the database file
            # when the simulacro closes the last one
            self._app.state.engine.dispose()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()


@dataclass
class WebVote:
    cast: bool = False
    challenged: bool = False
    second_refused: bool = False


def password_for(voter: InternetVoter, seed: int) -> str:
    """The password this voter chooses (long, mixed, not the user name)."""
    return f"Voto-{seed}-desde-lejos-{voter.folio[-6:]}"


def _without_token(path: str) -> str:
    return re.sub(r"/voto/activar/[A-Za-z0-9_-]{20,}", "/voto/activar/…", path)


def _refused(response: httpx.Response) -> UserError:
    # the paths name the step, never the link's token (the answer may have been redirected)
    return UserError("simulacro.web_refused", method=response.request.method,
                     step=_without_token(response.request.url.path),
                     status=response.status_code, at=_without_token(response.url.path))


def _csrf(page: httpx.Response) -> str:
    found = _CSRF.search(page.text) or _CSRF_META.search(page.text)
    if found is None:
        raise _refused(page)
    return found.group(1)


def _expect(response: httpx.Response, path: str) -> httpx.Response:
    """The page a step must land on; anything else stops the simulacro, saying where."""
    if response.status_code >= 400 or path not in response.url.path:
        raise _refused(response)
    return response


def vote(voter: InternetVoter, address: str, ctx: ElectionContext, selections: dict,
         behaviour: str, seed: int) -> WebVote:
    """One voter's whole walk in one browser (cookies kept, redirects followed)."""
    outcome = WebVote()
    password = password_for(voter, seed)
    with httpx.Client(follow_redirects=True, timeout=120,
                      headers={"X-Forwarded-For": address}) as browser:
        page = _expect(browser.get(voter.link), "/voto/activar/")
        page = _expect(browser.post(voter.link, data={
            "digits": re.sub(r"\D", "", voter.phone)[-4:], "csrf": _csrf(page)}),
            "/voto/activar/factor")
        page = _expect(browser.get(str(page.url.copy_with(query=b"metodo=totp"))),
                       "/voto/activar/factor")
        totp = pyotp.TOTP(_TOTP_SECRET.search(page.text).group(1))
        page = _expect(browser.post(str(page.url.join("/voto/activar/totp")), data={
            "code": totp.now(), "csrf": _csrf(page)}), "/voto/activar/contrasena")
        page = _expect(browser.post(str(page.url), data={
            "password": password, "confirm": password, "csrf": _csrf(page)}), "/voto/entrar")
        # the next time step's code: the one used to set the factor up is spent
        home = _expect(browser.post(str(page.url.join("/voto/entrar")), data={
            "username": voter.email, "password": password,
            "code": totp.at(time.time() + totp.interval), "csrf": _csrf(page)}), "/voto/")
        headers = {"X-CSRF-Token": _csrf(home)}
        key = credentials.signing_key(ctx.election_id, voter.secret)
        if behaviour == "challenge":  # audited: spoiled, never counted; then a fresh one
            doc, rs = encrypt_ballot(ctx, voter.entity, key, selections)
            audited = browser.post(str(home.url.join("/voto/auditar")), headers=headers,
                                   json={"ballot": doc,
                                         "disclosure": reveal(doc, selections, rs)})
            outcome.challenged = audited.status_code == 201
        doc, _rs = encrypt_ballot(ctx, voter.entity, key, selections)
        cast = browser.post(str(home.url.join("/voto/emitir")), headers=headers,
                            json={"ballot": doc})
        if cast.status_code != 201:
            raise _refused(cast)
        outcome.cast = True
        if behaviour == "twice":  # a second ballot of its own (the same one again would
            # only get its first receipt back)
            second, _rs = encrypt_ballot(ctx, voter.entity, key, selections)
            again = browser.post(str(home.url.join("/voto/emitir")), headers=headers,
                                 json={"ballot": second})
            outcome.second_refused = again.status_code == 409
    return outcome
