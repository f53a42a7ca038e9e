"""The election record (docs/record.md) and the independent verifier that reads only it."""
