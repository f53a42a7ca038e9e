"""docs/record.md is the reference an outside verifier is written from: every section that
`vmre verify` prints or the code cites is a heading there, and the example manifest the
documents point to is the one the project runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "docs/record.md"
# What `vmre verify` prints comes from these: its modules, the count's checks of the actas, and
# the catalogue texts of the record part.
PRINTED = [*sorted((ROOT / "src/vmre/record").glob("*.py")),
           ROOT / "src/vmre/count/verification.py", ROOT / "src/vmre/core/catalog/record.toml"]
SECTION = r"(\d+(?:\.\d+)?)"


def _headings() -> set[str]:
    return set(re.findall(rf"^#+ §{SECTION}\b", SPEC.read_text(encoding="utf-8"), re.MULTILINE))


def test_every_section_vmre_verify_prints_is_a_heading_of_the_specification():
    cited: dict[str, set[str]] = {}
    for path in PRINTED:
        source = path.read_text(encoding="utf-8")
        # "§7.5" anywhere (but "docs/count.md §4.2" names the other document), and the section
        # strings of failures: fail("7.5", …), Failure("2.4", …), (("1.2", … (the modules
        # hold no other string literal made of digits)
        found = set(re.findall(rf"(?<!count\.md )§{SECTION}", source))
        found |= set(re.findall(rf"\"{SECTION}\"", source))
        cited[path.name] = found
    everything = set().union(*cited.values())
    assert {"1.1", "2.4", "6.6", "7.5", "7.6", "8.3", "9.1", "10.2", "12.6", "12.7"} <= everything
    missing = {name: found - _headings() for name, found in cited.items() if found - _headings()}
    assert missing == {}


def test_every_reference_to_the_specification_in_the_code_exists():
    refs = set()
    for path in (ROOT / "src").rglob("*"):
        if path.suffix in {".py", ".toml", ".html", ".js"} and path.is_file():
            for match in re.finditer(rf"record\.md(?:`)?,? §{SECTION}",
                                     path.read_text(encoding="utf-8")):
                refs.add((path.relative_to(ROOT).as_posix(), match.group(1)))
    assert refs
    assert {(p, s) for p, s in refs if s not in _headings()} == set()


def test_the_example_manifest_in_docs_is_the_one_the_project_runs():
    docs = ROOT / "docs/examples/manifest.yaml"
    packaged = ROOT / "src/vmre/simulacro/manifest-pel.yaml"
    assert docs.read_bytes() == packaged.read_bytes()
    from vmre.voting.manifest import load_manifest

    options = [o.id for o in load_manifest(docs).contest("gob-jal").options]
    assert options == ["pan", "pri", "prd", "pvem", "pt", "mc", "morena", "pan+pri", "pan+prd",
                       "pri+prd", "pan+pri+prd", "pvem+pt", "pvem+morena", "pt+morena",
                       "pvem+pt+morena", "no-registrado", "nulo"]
    spec = " ".join(SPEC.read_text(encoding="utf-8").split())
    assert ", ".join(options) in spec


def test_the_specification_lists_the_32_entity_ids():
    from vmre.core.entities import ENTITIES

    spec = SPEC.read_text(encoding="utf-8")
    section = spec[spec.index("### §2.5 Entities"):spec.index("## §3 Proofs")]
    listed = re.findall(r"\| `([A-Z]+)` \| ([^|]+?) (?=\|)", section)
    assert sorted(listed) == sorted((e.id, e.name) for e in ENTITIES)
    assert len(listed) == 32
