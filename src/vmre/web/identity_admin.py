"""The administrators' page for the institution's identity (/admin/identidad/): name, colours,
emblem and citizen-service contact, stored in the database over the identity file
(docs/identity.md §1.1). Administrators only; a refused value keeps the form as sent."""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, Request
from sqlalchemy.exc import IntegrityError
from starlette.datastructures import FormData, UploadFile

from vmre.core import identity
from vmre.core.database import transaction
from vmre.core.identity import Phone, emblem, stored
from vmre.core.messages import LANGUAGES, UserError, text
from vmre.core.staff import StaffUser
from vmre.web.admin import ADMINISTER
from vmre.web.security import check_csrf, language
from vmre.web.templating import render

router = APIRouter(prefix="/admin/identidad", include_in_schema=False)  # a page, not the API
BLANK_PHONE_ROWS = 3  # empty rows under the lines in force, to add new ones
_PHONE_FIELD = re.compile(r"phone-([0-9]{1,3})-number")
MAX_FIELD = 1000  # longer text is cut before it is checked (the checks refuse it anyway)


async def _form(request: Request) -> FormData:
    # One file at most (the emblem); the fields are a few dozen.
    return await request.form(max_files=1, max_fields=400)


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip()[:MAX_FIELD] if isinstance(value, str) else ""


def _values(form: FormData) -> stored.Values:
    rows = sorted({int(m.group(1)) for key in form
                   if (m := _PHONE_FIELD.fullmatch(key))})
    phones = tuple(
        Phone(_field(form, f"phone-{i}-country").upper(), _field(form, f"phone-{i}-number"),
              form.get(f"phone-{i}-free") == "1")
        for i in rows if _field(form, f"phone-{i}-number"))
    return stored.Values(
        names={lang: _field(form, f"name_{lang}") for lang in LANGUAGES},
        primary=_field(form, "primary").lower(), primary_text=_field(form, "primary_text").lower(),
        focus=_field(form, "focus").lower(), email=_field(form, "email"),
        days={lang: _field(form, f"days_{lang}") for lang in LANGUAGES},
        opens=_field(form, "opens"), closes=_field(form, "closes"), phones=phones)


def _emblem(form: FormData) -> bytes | None:
    """The uploaded file's bytes (one past the limit at most), None when none was chosen."""
    upload = form.get("emblem")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return upload.file.read(emblem.MAX_BYTES + 1)


def _page(request: Request, values: stored.Values, status: int = 200,
          errors: dict[str, str] | None = None, saved: list[str] | None = None,
          back_to_file: str = ""):
    lang = language(request)
    org = identity.current()
    rows = list(values.phones) + [Phone("", "", False)] * BLANK_PHONE_ROWS
    return render(request, "identity_admin.html", status, values=values, phones=rows,
                  errors=errors or {}, saved=saved, back_to_file=back_to_file,
                  countries=stored.phone_countries(lang),
                  in_force=org, emblem_kb=emblem.MAX_BYTES // 1024,
                  privacy={kind: path.name for kind, path in org.privacy_files.items()})


@router.get("/")
def identity_page(request: Request, user: StaffUser = Depends(ADMINISTER)):
    return _page(request, stored.Values.of(identity.current()))


@router.post("/")
def identity_save(request: Request, form: FormData = Depends(_form),
                  user: StaffUser = Depends(ADMINISTER)):
    check_csrf(request, _field(form, "csrf"))
    lang = language(request)
    values = _values(form)
    problems = stored.check(values)
    svg = _emblem(form)
    if svg is not None:
        try:
            emblem.check(svg)
        except UserError as err:
            problems.append(("emblem", err))
    if problems:
        errors: dict[str, str] = {}
        for field_, err in problems:
            errors.setdefault(field_, err.message(lang))
        return _page(request, values, 400, errors=errors)
    before = identity.current()
    for attempt in (1, 2):
        try:
            with transaction(request.app.state.sessions) as session:
                changed = stored.save(session, user.username, values, svg, before)
            break
        except IntegrityError:  # two first saves at once: the other's row is there now
            if attempt == 2:
                raise
    stored.forget(request.app.state.engine)  # after the commit: the next read sees the row
    return _page(request, values, saved=changed or [text("web.identity.page.nothing_changed",
                                                          lang)])


@router.post("/archivo")
def identity_back_to_file(request: Request, form: FormData = Depends(_form),
                          user: StaffUser = Depends(ADMINISTER)):
    """The stored identity is discarded: the identity file (or the example) rules again."""
    check_csrf(request, _field(form, "csrf"))
    with transaction(request.app.state.sessions) as session:
        discarded = stored.discard(session, user.username)
    stored.forget(request.app.state.engine)  # after the commit: the next read is the file's
    key = "web.identity.page.back_to_file_done" if discarded else \
        "web.identity.page.back_to_file_none"
    return _page(request, stored.Values.of(identity.current()),
                 back_to_file=text(key, language(request)))
