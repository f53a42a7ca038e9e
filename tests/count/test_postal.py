"""Postal list: one modality per voter, packages, courier events, returns and the deadline."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from count_helpers import DEADLINE, ELECTION
from sqlalchemy.exc import IntegrityError

from vmre.core.audit import events
from vmre.core.database import transaction
from vmre.core.messages import UserError
from vmre.count import postal
from vmre.count.models import Package, VoterModality
from vmre.count.postal import PostalVoter


def _voter(i: int, entity: str = "JAL") -> PostalVoter:
    return PostalVoter(f"V{i:04d}", entity, f"Persona {i}", (f"{i} Main St", "Chicago IL 60601"),
                       "Estados Unidos")


def test_postal_and_internet_lists_are_exclusive(sessions):
    with transaction(sessions) as s:
        postal.register_postal_voter(s, ELECTION, _voter(1))
        postal.register_internet_voter(s, ELECTION, "V0002", "CDMX")
    with transaction(sessions) as s:
        with pytest.raises(UserError) as err:
            postal.register_internet_voter(s, ELECTION, "V0001", "JAL")
        assert err.value.key == "count.postal.other_modality"
        with pytest.raises(UserError) as err:
            postal.register_postal_voter(s, ELECTION, _voter(2, "CDMX"))
        assert err.value.key == "count.postal.other_modality"
        with pytest.raises(UserError) as err:
            postal.check_internet_list(s, ELECTION, ["V0002", "V0001", "V0003"])
        assert err.value.key == "count.postal.lists_overlap" and err.value.params["count"] == 1
        postal.check_internet_list(s, ELECTION, ["V0002", "V0003"])
        # The same voter may be listed in another election.
        postal.register_internet_voter(s, "otra-eleccion", "V0001", "JAL")
    # The database itself refuses a second row, whatever the code path.
    with pytest.raises(IntegrityError), transaction(sessions) as s:
        s.add(VoterModality(election_id=ELECTION, voter_ref="V0001", entity="JAL",
                            modality="internet"))
    assert postal.exclusivity_conflicts(["a", "b"], ["b", "c"]) == {"b"}
    assert postal.exclusivity_conflicts(["a"], ["c"]) == set()


def test_voters_csv_and_shipping_manifest(sessions):
    content = ("voter_id,entity,name,address,country\n"
               "V1,JAL,Ana Pérez,10 Rue de Rivoli | 75001 Paris,Francia\n"
               "V2,PUE,Luis Gómez,Calle 8 | Madrid,España\n")
    voters = postal.read_voters_csv(content)
    assert voters[0].address == ("10 Rue de Rivoli", "75001 Paris")
    with pytest.raises(UserError) as err:
        postal.read_voters_csv("voter_id,entity,name,address,country\nV3,XX,N,A,C\n")
    assert err.value.params == {"line": 2}
    with transaction(sessions) as s:
        rng = random.Random(1)
        made = [postal.register_postal_voter(s, ELECTION, v, rng) for v in voters]
        text = postal.shipping_manifest_csv(s, ELECTION)
    lines = text.splitlines()
    assert len(lines) == 3 and made[0].outbound_tracking in lines[1]
    assert "10 Rue de Rivoli | 75001 Paris" in lines[1]
    assert all(p.outbound_tracking.startswith("VMS") and p.return_tracking.startswith("VMR")
               and len(p.return_tracking) == 14 for p in made)


def test_courier_events_csv_are_idempotent(sessions):
    with transaction(sessions) as s:
        package = postal.register_postal_voter(s, ELECTION, _voter(1))
        tracking = package.outbound_tracking
    content = ("tracking,at,status,location\n"
               f"{tracking},2024-04-01T10:00:00+00:00,picked_up,Ciudad de México\n"
               f"{tracking},2024-04-05T16:30:00-05:00,delivered,Chicago\n"
               "VMS0000000000,2024-04-05T16:30:00+00:00,delivered,?\n")
    with transaction(sessions) as s:
        first = postal.import_events(s, postal.read_events_csv(content), "csv")
    with transaction(sessions) as s:
        again = postal.import_events(s, postal.read_events_csv(content), "csv")
        fresh = s.get(Package, package.id)
        stored, status = postal.events_of(s, fresh), fresh.status
    assert first == {"imported": 2, "duplicates": 0, "unknown": 1}
    assert again == {"imported": 0, "duplicates": 2, "unknown": 1}
    assert [e.status for e in stored] == ["picked_up", "delivered"] and status == "delivered"
    with pytest.raises(UserError) as err, transaction(sessions) as s:
        postal.import_events(s, [{"tracking": tracking, "at": "2024-04-01T10:00:00",
                                  "status": "delivered"}], "api")
    assert err.value.params == {"line": 1, "field": "at"}


def test_late_envelopes_are_recorded_and_never_counted(sessions):
    with transaction(sessions) as s:
        postal.set_deadline(s, ELECTION, DEADLINE)
        made = [postal.register_postal_voter(s, ELECTION, _voter(i)) for i in range(4)]
        codes = [p.return_tracking for p in made]
    with transaction(sessions) as s:
        on_time = postal.receive_envelope(s, ELECTION, codes[0], DEADLINE, "mesa")
        late = postal.receive_envelope(s, ELECTION, codes[1],
                                       DEADLINE + dt.timedelta(seconds=1), "mesa")
        postal.receive_envelope(s, ELECTION, codes[2], DEADLINE - dt.timedelta(days=3), "mesa")
        assert (on_time.late, late.late) == (False, True)
        assert late.status == "late" and late.received_at is not None
        with pytest.raises(UserError) as err:
            postal.receive_envelope(s, ELECTION, codes[1], DEADLINE, "mesa")
        assert err.value.key == "count.postal.already_received"
        with pytest.raises(UserError) as err:
            postal.receive_envelope(s, ELECTION, "VMR123", DEADLINE, "mesa")
        assert err.value.key == "count.postal.unknown_tracking"
    with transaction(sessions) as s:
        tables = postal.assign_envelopes(s, ELECTION, "JAL", per_table=1)
        assert len(tables) == 2  # two on-time envelopes, one per table; the late one waits
        assert sorted(postal.envelopes_at(s, t.id) for t in tables) == [1, 1]
        summary = postal.return_summary(s, ELECTION, "JAL")
        assert (summary["received"], summary["late"], summary["prepared"]) == (2, 1, 1)
        logged = events(s, "count.envelope_received")
        assert [e.detail for e in logged] == ["on time", "late", "on time"]
        assert all("Persona" not in e.subject + e.detail for e in logged)  # no personal data


def test_legal_deadline_is_24_hours_before_polls_open():
    deadline = postal.legal_deadline(dt.date(2024, 6, 2), "America/Mexico_City")
    assert deadline == dt.datetime(2024, 6, 1, 14, 0, tzinfo=dt.UTC)
