"""An operator's identity with a distinctive emblem, and the check that a PDF draws it.

The emblem is one shape filled with a colour nothing else in the documents uses (#123456):
WeasyPrint draws an SVG as vector paths, so the emblem is in a PDF exactly when some
content stream of a page (or a form it draws) sets that fill colour."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import IndirectObject

from vmre.core import identity

COLOUR = (0x12, 0x34, 0x56)
EMBLEM = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><title>Escudo de '
          'prueba</title><circle cx="4" cy="4" r="4" fill="#123456"/></svg>')
_FILL = re.compile(rb"([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+rg\b")


def identity_file(folder: Path, emblem: str = EMBLEM) -> Path:
    """The shipped example identity, copied beside `emblem` (an SVG text) that it names."""
    source = identity.example_path().parent
    for name in ("example.toml", "privacy-simplified.toml", "privacy-full.toml"):
        shutil.copy(source / name, folder / name)
    (folder / "escudo.svg").write_text(emblem, "utf-8")
    toml = (folder / "example.toml").read_text("utf-8")
    path = folder / "institucion.toml"
    path.write_text(toml.replace('emblem = "emblem.svg"', 'emblem = "escudo.svg"'), "utf-8")
    return path


def _streams(resources, seen: set[int]):
    """The content streams of the forms and patterns a page's resources hold, nested."""
    if resources is None:
        return
    for kind in ("/XObject", "/Pattern"):
        for ref in (resources.get(kind) or {}).values():
            key = ref.idnum if isinstance(ref, IndirectObject) else id(ref)
            obj = ref.get_object()
            if key in seen or obj.get("/Subtype") == "/Image":
                continue
            seen.add(key)
            yield obj.get_data()
            yield from _streams(obj.get("/Resources"), seen)


def emblem_drawn(pdf: bytes, page: int = 0) -> bool:
    """Whether page `page` of `pdf` fills a shape with the emblem's colour."""
    reader = PdfReader(io.BytesIO(pdf))
    sheet = reader.pages[page]
    streams = [sheet.get_contents().get_data(), *_streams(sheet.get("/Resources"), set())]
    want = [c / 255 for c in COLOUR]
    return any(all(abs(float(got) - w) < 0.002 for got, w in zip(found, want, strict=True))
               for data in streams for found in _FILL.findall(data))
