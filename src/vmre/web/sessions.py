"""The session middleware: `request.session` as a dict, kept on the server (vmre.core.sessions).

The cookie holds only a random id. The dict a handler sees is loaded from the session
table before the handler runs and written back before the response starts, so the next
request (a redirect followed at once) already sees it. Two rules keep fixation out:

- `request.session.clear()` ends the session: its row is deleted, and whatever the handler
  stores after clearing goes into a new session under a new id (login, logout);
- a change of holder (someone signs in) always gets a new id, even without clear().
"""

from __future__ import annotations

import time
from http.cookies import SimpleCookie

from anyio.to_thread import run_sync
from sqlalchemy.orm import sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vmre.core import sessions as store

COOKIE = "vmre_session"
PRUNE_SECONDS = 60  # ended rows are deleted at every sign-in and at most once a minute else


class SessionData(dict):
    """A dict that remembers whether a handler changed it or cleared it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.modified = False
        self.cleared = False

    def _changed(self) -> None:
        self.modified = True

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self.cleared = self.modified = True

    def pop(self, key, *default):
        if key in self:
            self._changed()
        return super().pop(key, *default)

    def popitem(self):
        self._changed()
        return super().popitem()

    def setdefault(self, key, default=None):
        if key not in self:
            self._changed()
        return super().setdefault(key, default)

    def update(self, *args, **kwargs) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def __ior__(self, other):
        self.update(other)
        return self


class ServerSessions:
    """Plain ASGI middleware (no extra task or stream per request)."""

    def __init__(self, app: ASGIApp, factory: sessionmaker, secure: bool = False) -> None:
        self.app = app
        self.factory = factory
        self.secure = secure
        self._next_prune = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        cookie = HTTPConnection(scope).cookies.get(COOKIE, "")
        loaded = await run_sync(self._load, cookie) if cookie else None
        data = SessionData(loaded.data if loaded else {})
        scope["session"] = data
        # the browser sent a session the server no longer holds (it ended, or was ended):
        # pages may say so; a first visit, without a cookie, is not an ended session
        scope["session_ended"] = bool(cookie) and loaded is None

        async def send_with_session(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = await run_sync(self._store, loaded, data)
                if value is not None or (cookie and loaded is None):
                    headers = MutableHeaders(scope=message)
                    headers.append("set-cookie", self._cookie(value or ""))
            await send(message)

        await self.app(scope, receive, send_with_session)

    def _load(self, cookie: str) -> store.Loaded | None:
        with self.factory() as s, s.begin():
            return store.load(s, cookie)

    def _store(self, loaded: store.Loaded | None, data: SessionData) -> str | None:
        """Write the session back; the new cookie value, '' to delete it, None to leave it."""
        before = loaded.subject if loaded else None
        after = store.classify(data)[1]
        new_holder = data.cleared or after != before
        if loaded is not None and not new_holder:
            if data.modified:
                with self.factory() as s, s.begin():
                    store.save(s, loaded.id_hash, dict(data))
            elif loaded.stale:
                with self.factory() as s, s.begin():
                    store.touch(s, loaded.id_hash)
            return None
        if not data.modified and loaded is None:
            return None
        with self.factory() as s, s.begin():
            if loaded is not None:
                store.end(s, loaded.id_hash)
            value = store.create(s, dict(data)) if data else ""
            if after is not None or time.monotonic() >= self._next_prune:
                self._next_prune = time.monotonic() + PRUNE_SECONDS
                store.prune(s)
        return value

    def _cookie(self, value: str) -> str:
        cookie: SimpleCookie = SimpleCookie()
        cookie[COOKIE] = value
        morsel = cookie[COOKIE]
        morsel["path"] = "/"
        morsel["httponly"] = True
        morsel["samesite"] = "strict"
        if self.secure:
            morsel["secure"] = True
        if not value:
            morsel["max-age"] = 0
            morsel["expires"] = "Thu, 01 Jan 1970 00:00:00 GMT"
        return morsel.OutputString()
