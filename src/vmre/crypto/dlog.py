"""Small discrete logarithms (vote counts) by baby-step giant-step."""

from __future__ import annotations

import math

from vmre.crypto.group import IDENTITY, G, Point, base_mul


def discrete_log(target: Point, bound: int) -> int:
    """The m in [0, bound] with m·G = target; ValueError if there is none.

    About 2·sqrt(bound) group additions, so a count of a million needs ~2,000 of them.
    """
    if target == IDENTITY:
        return 0
    step = max(1, math.isqrt(bound) + 1)
    baby: dict[bytes, int] = {}
    point = IDENTITY
    for j in range(step):
        baby.setdefault(point.data, j)
        point = point + G
    giant = base_mul(step)
    current = target
    for i in range(step + 1):
        j = baby.get(current.data)
        if j is not None:
            m = i * step + j
            if m <= bound:
                return m
        current = current - giant
    raise ValueError("no discrete log within bound")
