"""Load: everything about PostgreSQL (connections, locks, the embedded server, DDL, manifest, COPY).

Polars frames -> append-only raw tables. No FastF1 here.
"""
