"""Observation: the read-only pages of the political parties' representatives, the National
Surveillance Commission and the auditors, over the figures and documents of every part."""
