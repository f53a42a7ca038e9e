"""Close an election of the `ready` fixtures, count it with two of its three custodians, write
the record and check it with the `vmre verify` command, as an observer would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from vmre.record.writer import write_record
from vmre.simulacro.election import ReadyElection
from vmre.simulacro.run import passphrase
from vmre.voting import closing


def verify_after_close(ready: ReadyElection, out: Path) -> subprocess.CompletedProcess:
    eid = ready.ctx.election_id
    closing_doc = ready.board.close(eid)
    aggregate = closing.aggregate(ready.board, eid)
    shares = [closing.custodian_decrypt(
        ready.ceremony, aggregate, j, passphrase(j, ready.seed),
        str(ready.folder / "custodians" / f"custodian-{j}.secret")) for j in (1, 2)]
    results, valid, _rejected = closing.combine(ready.ctx, ready.ceremony.transcript(),
                                                aggregate, shares)
    write_record(out, ready.board, eid, closing_doc, aggregate, valid, results)
    vmre = Path(sys.executable).with_name("vmre")
    return subprocess.run([str(vmre), "verify", str(out)], capture_output=True, text=True,
                          timeout=600, check=False)
