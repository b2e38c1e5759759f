"""Extract: FastF1 -> Polars frames. No database here."""
