"""The web layer: one FastAPI app, routes grouped by audience, thin handlers over the parts."""
