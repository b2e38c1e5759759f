"""Extract: FastF1 -> Polars frames. PostgreSQL only through flows.load (the shared rate budget)."""
