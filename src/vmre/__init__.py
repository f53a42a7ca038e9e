"""vmre: the vote of citizens living abroad, end to end and verifiable."""

__version__ = "0.1.0"
