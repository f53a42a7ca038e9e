"""Shapes of the registry's JSON API (documented in /openapi.json).

Inputs are plain strings on purpose: the field rules (vmre.registry.rules) judge them and
answer in the citizen's language, field by field."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class RequestIn(BaseModel):
    election_id: str
    given_names: str = ""
    first_surname: str = ""
    second_surname: str = ""
    birth_date: str = Field("", description="YYYY-MM-DD")
    elector_key: str = ""
    ocr: str = ""
    cic: str = ""
    card_issued: str = Field("", description="mexico | abroad")
    entity_id: str = ""
    country: str = Field("", description="ISO 3166-1 alpha-2, not MX")
    region: str = ""
    city: str = ""
    postal_code: str = ""
    street: str = ""
    email: str = ""
    phone: str = Field("", description="+ country code and number")
    modality: str = Field("", description="postal | internet")
    consent: bool = False
    lang: str = "es"
    card_front_b64: str = Field("", description="JPEG or PNG, base64")
    card_back_b64: str = Field("", description="JPEG or PNG, base64")
    proof_b64: str = Field("", description="JPEG, PNG or PDF, base64; needed for cards "
                                            "issued in Mexico")


class Submitted(BaseModel):
    folio: str
    status: str
    message: str


class FieldProblems(BaseModel):
    errors: dict[str, str]


class Problem(BaseModel):
    error: str


class ConfirmIn(BaseModel):
    token: str


class StatusIn(BaseModel):
    folio: str
    birth_date: str


class StatusOut(BaseModel):
    folio: str
    status: str
    status_text: str
    email_confirmed: bool
    reason: str | None = None
    reason_text: str | None = None
    correction_items: list[str] = []
    correction_deadline: dt.datetime | None = None


class QueueItem(BaseModel):
    folio: str
    status: str
    entity_id: str
    country: str
    modality: str
    finding: str
    reason: str


class QueueOut(BaseModel):
    total: int
    items: list[QueueItem]


class DecisionIn(BaseModel):
    decision: str = Field(description="accept | reject | correct | reverse")
    reason: str | None = None
    items: list[str] = []
    fields: list[str] = Field(default=[], description="form fields to correct (correct)")
    deadline: dt.datetime | None = None
    note: str = Field(default="", description="reverse: why; correct: the note to the citizen")


class ClosureOut(BaseModel):
    entity_id: str
    modality: str
    included: int
    addendum: int
    closed_at: dt.datetime


class ListOut(BaseModel):
    election_id: str
    closures: list[ClosureOut]
    figures: dict
