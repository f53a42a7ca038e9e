"""Every staff role has its name in both languages: the staff pages name roles through the
catalogue, and a role added without its entry made those pages fail."""

import pytest

from vmre.core.messages import text
from vmre.core.staff import Role


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_is_named_in_spanish_and_english(role):
    spanish, english = text(f"core.role.{role.value}", "es"), text(f"core.role.{role.value}", "en")
    assert spanish and english and spanish != role.value
