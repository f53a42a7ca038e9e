"""Who votes in the mock election: how voters spread over the entities with contests."""

ENTITY_WEIGHTS = {"JAL": 0.35, "GTO": 0.2, "CDMX": 0.3, "PUE": 0.15}
