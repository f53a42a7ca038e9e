"""API shapes of the count, and the display shape of a results chart."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CourierEvent(BaseModel):
    tracking: str = Field(max_length=40)
    at: str = Field(description="ISO 8601 with time zone, e.g. 2024-05-02T10:00:00-05:00")
    status: str = Field(description="picked_up, in_transit, delivered, returned, exception")
    location: str = Field(default="", max_length=120)


class CourierEvents(BaseModel):
    events: list[CourierEvent] = Field(max_length=10_000)


BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH = 22, 8, 230, 300


def chart(items: list[tuple[str, int, str]]) -> dict:
    """Geometry of a horizontal bar chart drawn as inline SVG by the template (no script:
    the content security policy forbids it). items: (label, value, colour)."""
    top = max((v for _l, v, _c in items), default=0) or 1
    bars = []
    for i, (label, value, color) in enumerate(items):
        y = i * (BAR_HEIGHT + GAP)
        bars.append({"label": label, "value": value, "color": color, "y": y,
                     "text_y": y + BAR_HEIGHT - 6, "x": LABEL_WIDTH,
                     "width": max(1, round(BAR_WIDTH * value / top)),
                     "value_x": LABEL_WIDTH + max(1, round(BAR_WIDTH * value / top)) + 6})
    return {"bars": bars, "width": LABEL_WIDTH + BAR_WIDTH + 60, "bar_height": BAR_HEIGHT,
            "height": max(len(items), 1) * (BAR_HEIGHT + GAP)}
