"""Report documents: Jinja templates of this package, rendered to HTML and to PDF."""

from __future__ import annotations

import shutil
from functools import lru_cache
from importlib import resources
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from vmre.core.clock import people_day
from vmre.core.messages import text

LANG = "es"


def number(value: int | None) -> str:
    """Thousands with commas, as the institute's reports print them; a dash for no data."""
    return "—" if value is None else f"{value:,}"


@lru_cache(maxsize=1)
def environment() -> Environment:
    folder = resources.files("vmre.reports") / "templates"
    env = Environment(loader=FileSystemLoader(str(folder)),
                      autoescape=select_autoescape(default=True))
    env.filters["n"] = number
    env.filters["day"] = lambda day: people_day(day, LANG)  # the one format people read
    env.globals["t"] = lambda key, **p: text(key, LANG, **p)
    return env


def stylesheet() -> Path:
    return Path(str(resources.files("vmre.reports") / "templates" / "report.css"))


def render_document(name: str, **context: object) -> str:
    return environment().get_template(name).render(**context)


def write_pdf(html: str, pdf_path: Path, out: Path) -> None:
    """The PDF, and the stylesheet beside the HTML so that the HTML file opens styled."""
    from vmre.core.identity import pdf  # the institution's emblem and running header

    shutil.copyfile(stylesheet(), out / "report.css")
    pdf.render(html, base_url=out.resolve().as_uri() + "/", target=pdf_path)
