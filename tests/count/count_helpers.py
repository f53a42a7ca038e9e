"""Constants shared by the count's tests."""

import datetime as dt

ELECTION = "pel-2024-extranjero"
DEADLINE = dt.datetime(2024, 6, 1, 14, 0, tzinfo=dt.UTC)
