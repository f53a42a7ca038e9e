"""The emblem an administrator uploads: an SVG file, checked before it is stored.

Pages show the emblem through `<img>` and serve it with a `sandbox` policy, so a browser runs
nothing it carries; the check below refuses what has no place in an emblem all the same
(defence in depth, and the same file goes into mails' and PDFs' neighbours): a document type
or entity (XXE, entity expansion), a script, an event-handler attribute, a foreign object, a
reference to anything outside the file, a file that is not SVG or is too large. Each refusal
has its own catalogue key (docs/identity.md §1.1).
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element, ParseError, ProcessingInstruction, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from vmre.core.messages import UserError

MAX_BYTES = 100 * 1024  # an emblem is a few kilobytes; this leaves room for detail
SVG = "{http://www.w3.org/2000/svg}"
# Elements that run code or pull in another document: never in an emblem.
_SCRIPTING = {"script", "handler", "listener"}
_FOREIGN = {"foreignobject", "iframe", "embed", "object", "audio", "video", "canvas"}
# Animations can rewrite an attribute (an href into `javascript:`): refused when they target
# a link or an event handler.
_ANIMATION = {"set", "animate", "animatetransform", "animatemotion", "animatecolor"}
_URL = re.compile(r"url\s*\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)
_IMPORT = re.compile(r"@import", re.IGNORECASE)
# A processing instruction other than the XML declaration (`<?xml-stylesheet href=…?>` loads
# a style sheet); the parser drops those before the root element, so the bytes are read.
_INSTRUCTION = re.compile(rb"<\?(?!xml[ \t\r\n])")


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _refuse(reason: str) -> UserError:
    return UserError(f"web.identity.emblem.{reason}", limit=MAX_BYTES // 1024)


def _outside(value: str) -> bool:
    """A reference that leaves the file: anything but a fragment (`#id`) of the file itself."""
    return not value.strip().startswith("#")


def _check_text(text: str | None) -> None:
    """Style text and attributes: `url(…)` only to a fragment, no `@import`."""
    if not text:
        return
    if _IMPORT.search(text) or any(_outside(m.group(1)) for m in _URL.finditer(text)):
        raise _refuse("external_reference")


def _check_element(element: Element) -> None:
    if element.tag is ProcessingInstruction:  # <?xml-stylesheet href="…"?> loads a sheet
        raise _refuse("external_reference")
    if not isinstance(element.tag, str):
        return  # a comment
    name = _local(element.tag)
    if name in _SCRIPTING:
        raise _refuse("script")
    if name in _FOREIGN:
        raise _refuse("foreign_object")
    for attribute, value in element.attrib.items():
        attr = _local(attribute)
        if attr.startswith("on"):
            raise _refuse("event_handler")
        if attr in ("href", "src") and _outside(value):
            raise _refuse("external_reference")
        if name in _ANIMATION and attr == "attributename" and (
                _local(value) in ("href", "src") or _local(value).startswith("on")):
            raise _refuse("script")
        _check_text(value)
    if name == "style":
        _check_text(element.text)


def check(data: bytes) -> bytes:
    """The file as given if it is an acceptable emblem; else a UserError whose key names the
    first reason found."""
    if len(data) > MAX_BYTES:
        raise _refuse("too_large")
    if not data.strip():
        raise _refuse("not_svg")
    if _INSTRUCTION.search(data):
        raise _refuse("external_reference")
    parser = DefusedXMLParser(target=TreeBuilder(insert_pis=True), forbid_dtd=True,
                              forbid_entities=True, forbid_external=True)
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException:  # a DTD, an entity (billion laughs, XXE), an external entity
        raise _refuse("entities") from None
    except (ParseError, ValueError, UnicodeError):
        raise _refuse("not_svg") from None
    if not isinstance(root.tag, str) or root.tag != f"{SVG}svg":
        raise _refuse("not_svg")
    for element in root.iter():
        _check_element(element)
    return data
