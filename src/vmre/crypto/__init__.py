"""The mathematics of the vote: no database, no web, no files. Pure functions over values."""
