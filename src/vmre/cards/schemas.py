"""API shapes of the card part."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class CourierEventIn(BaseModel):
    tracking: str = Field(min_length=1, max_length=60)
    event: str = Field(min_length=1, max_length=30)
    occurred_at: dt.datetime  # with its time zone
    third_party: bool = False  # received by someone other than the holder
    detail: str = Field(default="", max_length=500)


class RefusedRow(BaseModel):
    row: int
    reason: str


class ImportResult(BaseModel):
    accepted: int
    refused: list[RefusedRow]
