"""The per-database cache: values expire, and two databases never share one."""

from __future__ import annotations

from sqlalchemy import create_engine

from vmre.core.row_cache import RowCache


def test_values_are_per_database_and_expire(tmp_path):
    one = create_engine(f"sqlite:///{tmp_path / 'one.db'}")
    two = create_engine(f"sqlite:///{tmp_path / 'two.db'}")
    cache: RowCache[str] = RowCache(ttl=60)
    cache.put(one, "e", "from one")
    assert cache.get(one, "e") == "from one" and cache.get(two, "e") is None
    cache.forget(one, "e")
    assert cache.get(one, "e") is None

    stale: RowCache[str] = RowCache(ttl=0)
    stale.put(one, "e", "gone at once")
    assert stale.get(one, "e") is None
