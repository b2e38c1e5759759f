"""FastF1 -> PostgreSQL pipeline: extract, load, transform and the Prefect flows wiring them."""
