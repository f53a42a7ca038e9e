"""One strict reader of JSON request bodies, for every handler that takes JSON from anyone.

Python's own parser accepts what no sender of this project ever writes and what breaks later
steps: NaN and Infinity (canonical JSON refuses them, so hashing a ballot failed), 1e999 (a
float that is infinite), repeated keys (two readers may keep different values), and nesting
deep enough to exhaust the stack. Here each is refused before any handler sees the body, with
a catalogue key (`web.json.*`) and an HTTP status (`STATUS`):

- at most `max_bytes` (default 1 MiB), read in chunks, whatever Content-Length says;
- UTF-8 text of one JSON value, nested at most `max_depth` (default 32) deep;
- no NaN, Infinity or fractional/exponent numbers (no document here holds a float), integers
  of at most 18 digits;
- no key twice in one object;
- no NUL character (U+0000) in a key or a string (PostgreSQL's text refuses it).
"""

from __future__ import annotations

import json

from fastapi import Request

from vmre.core.messages import UserError

MAX_BYTES = 1024 * 1024  # a ballot is at most 256 KiB, with its audit disclosure well under 1 MiB
MAX_DEPTH = 32  # a ballot is 6 levels deep
MAX_INT_DIGITS = 18

STATUS = {"web.json.too_large": 413, "web.json.malformed": 400, "web.json.too_deep": 400,
          "web.json.number": 400, "web.json.duplicate_key": 400, "web.json.nul": 400}


def _no_constant(name: str) -> object:
    raise UserError("web.json.number", value=name)


def _no_float(literal: str) -> object:
    raise UserError("web.json.number", value=literal[:24])


def _bounded_int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise UserError("web.json.number", value=literal[:24] + "…")
    return int(literal)


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise UserError("web.json.duplicate_key", key=key[:40])
            seen.add(key)
    return document


_DECODER = json.JSONDecoder(parse_float=_no_float, parse_int=_bounded_int,
                            parse_constant=_no_constant, object_pairs_hook=_no_duplicates)


def _depth(value: object, limit: int) -> None:
    """Refuse nesting deeper than `limit` and NUL in keys and strings (iteratively: no
    recursion on hostile input)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise UserError("web.json.nul")
            continue
        if isinstance(item, dict):
            if any("\x00" in key for key in item):
                raise UserError("web.json.nul")
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise UserError("web.json.too_deep", limit=limit)
        stack.extend((child, depth + 1) for child in children)


def parse(raw: bytes, max_depth: int = MAX_DEPTH) -> object:
    """The one JSON value in `raw`, or UserError(web.json.*)."""
    try:
        source = raw.decode("utf-8")
        value, end = _DECODER.raw_decode(source, json.decoder.WHITESPACE.match(source, 0).end())
    except UnicodeDecodeError:
        raise UserError("web.json.malformed", reason="UTF-8") from None
    except RecursionError:
        raise UserError("web.json.too_deep", limit=max_depth) from None
    except json.JSONDecodeError as err:
        raise UserError("web.json.malformed", reason=f"{err.msg} ({err.pos})") from None
    if source[end:].strip(" \t\r\n"):
        raise UserError("web.json.malformed", reason=f"extra data ({end})")
    _depth(value, max_depth)
    return value


async def read_json(request: Request, max_bytes: int = MAX_BYTES,
                    max_depth: int = MAX_DEPTH) -> object:
    """The request's body as one strictly parsed JSON value, or UserError(web.json.*)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
        raise UserError("web.json.too_large", limit=max_bytes // 1024)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise UserError("web.json.too_large", limit=max_bytes // 1024)
        chunks.append(chunk)
    return parse(b"".join(chunks), max_depth)


async def read_object(request: Request, max_bytes: int = MAX_BYTES,
                      max_depth: int = MAX_DEPTH) -> dict:
    """`read_json`, for bodies that must be one JSON object."""
    value = await read_json(request, max_bytes, max_depth)
    if not isinstance(value, dict):
        raise UserError("web.json.malformed", reason="not an object")
    return value
