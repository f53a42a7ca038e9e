"""Manifest parsing: generated options and errors that name the line and field."""

from __future__ import annotations

import pytest

from vmre.core.messages import UserError
from vmre.simulacro.run import default_manifest_text
from vmre.voting.manifest import parse_manifest

BASE = """\
election_id: prueba
name: Prueba
parties:
  - {id: a, name: A}
  - {id: b, name: B}
  - {id: c, name: C}
  - {id: d, name: D}
coalitions:
  - {id: abc, name: ABC, parties: [a, b, c]}
contests:
  - id: gob
    entity: MICH
    office: Gubernatura de Michoacán
    candidates:
      - {id: x, name: Ximena Ñúñez, coalition: abc}
      - {id: y, name: Yolanda, party: d}
"""


def test_options_are_parties_coalition_combinations_write_in_and_null():
    m = parse_manifest(BASE)
    ids = [o.id for o in m.contest("gob").options]
    assert ids == ["a", "b", "c", "d", "a+b", "a+c", "b+c", "a+b+c", "no-registrado", "nulo"]
    combo = m.contest("gob").options[ids.index("a+c")]
    assert combo.kind == "combination" and combo.candidate == "x" and combo.parties == ("a", "c")
    assert m.contest("gob").options[ids.index("d")].candidate == "y"


def test_sample_manifest_has_several_entities():
    m = parse_manifest(default_manifest_text())
    assert set(m.entities) == {"JAL", "GTO", "CDMX", "PUE"}
    assert len(m.contests_for("JAL")) == 2


@pytest.mark.parametrize(
    ("change", "key", "line", "field"),
    [
        (("parties: [a, b, c]", "parties: [a, b, zz]"), "unknown_party", 9,
         "coalitions[0].parties[2]"),
        (("{id: b, name: B}", "{id: a, name: B}"), "duplicate_id", 5, "parties[1].id"),
        (("      - {id: x, name: Ximena Ñúñez, coalition: abc}\n"
          "      - {id: y, name: Yolanda, party: d}\n", "      []\n"), "empty", 14,
         "contests[0].candidates"),
        (("entity: MICH", "entity: XX"), "unknown_entity", 12, "contests[0].entity"),
        (("party: d}", "party: d, coalition: abc}"), "party_or_coalition", 16,
         "contests[0].candidates[1]"),
        (("party: d}", "party: a}"), "party_twice", 16, "contests[0].candidates[1]"),
        (("    office: Gubernatura de Michoacán\n", ""), "missing", 11, "contests[0].office"),
    ],
)
def test_inconsistent_manifest_names_line_and_field(change, key, line, field):
    text = BASE.replace(*change)
    assert text != BASE
    with pytest.raises(UserError) as err:
        parse_manifest(text, "m.yaml")
    assert err.value.key == f"voting.manifest.{key}"
    assert err.value.params["line"] == line
    assert err.value.params["field"] == field
    assert f"línea {line}" in err.value.message("es") and f"line {line}" in err.value.message("en")


def test_empty_candidate_list_is_refused():
    with pytest.raises(UserError) as err:
        parse_manifest(BASE.replace("    candidates:\n", "    candidates: []\n    x:\n"))
    assert err.value.key in {"voting.manifest.wrong_type", "voting.manifest.empty"}


def test_yaml_syntax_error_has_a_line():
    with pytest.raises(UserError) as err:
        parse_manifest("election_id: [unclosed\nname: x\n")
    assert err.value.key == "voting.manifest.syntax"
