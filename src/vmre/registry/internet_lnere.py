"""The internet LNERE: the closed list of internet voters handed to the count, so that the
count knows who votes by internet and refuses a postal envelope from any of them (one
modality per voter, docs/count.md §2.2, `vmre/internet-lnere/v1`, JSON Lines).

The same file envelope as the postal LNERE (`vmre.core.lnere_file`); a voter line holds the
folio and the entity only: the count needs nothing else to tell modalities apart, so no name,
address, e-mail, phone or credential leaves the registry in it.
"""

from __future__ import annotations

from typing import IO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vmre.core import lnere_file
from vmre.registry.models import Modality, Request
from vmre.registry.postal_lnere import check_closed, scope

FORMAT = "vmre/internet-lnere/v1"


def write(session: Session, election_id: str, out: IO[str], entity_id: str | None = None,
          addendum_only: bool = False) -> int:
    """Writes the internet LNERE (closed lists only) as `vmre/internet-lnere/v1`; returns the
    number of voters. Streams the rows."""
    check_closed(session, election_id, entity_id, Modality.INTERNET, "registry.internet_lnere")
    where = scope(election_id, entity_id, addendum_only, Modality.INTERNET)
    total = session.scalar(select(func.count()).where(*where)) or 0
    out.write(lnere_file.header(FORMAT, election_id, entity_id, addendum_only, total))
    rows = session.execute(select(Request.folio, Request.entity_id).where(*where)
                           .order_by(Request.entity_id, Request.id)
                           .execution_options(yield_per=10_000))
    n = 0
    for folio, entity in rows:
        out.write(lnere_file.line({"folio": folio, "entity": entity}))
        n += 1
    return n
