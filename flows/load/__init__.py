"""Load: Polars frames -> append-only raw tables in PostgreSQL. No FastF1 here."""
