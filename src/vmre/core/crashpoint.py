"""Named points inside the steps that must survive a crash, where a test can stop the process
dead (docs/voting.md "What a crash leaves").

Set `VMRE_CRASH_AT` to a point's name and the process that reaches it kills itself with
SIGKILL: no clean-up, no `finally`, no flush, as a power cut or `kill -9` would stop it. The
tests then run the same step again and check that it finishes. Nothing else reads this
setting, and unset (as in every deployment) a point costs one look-up in the environment.

The points, in the order a step reaches them:

- `board-committed`: a batch of ballots is committed to the board, no receipt signed yet;
- `write:<file name>`: a file of `vmre.core.atomic` half written under its temporary name
  (closing.json, aggregate.json, a custodian's share, an acta, SHA256SUMS); for a zip
  (record.zip), written whole under its temporary name but not yet renamed;
- `election-tally:published`: the tally's results committed, the record not yet written;
- `record:board`: half of the record's board.jsonl written.
"""

from __future__ import annotations

import os
import signal

SETTING = "VMRE_CRASH_AT"


def reached(name: str) -> None:
    """Die here, at once, if the test asked for this point."""
    if os.environ.get(SETTING) == name:
        os.kill(os.getpid(), signal.SIGKILL)
