"""Online tests: FastF1's real network code against the stand-in for F1's hosts."""

from tests.standin.plugin import standin, standin_proxy  # noqa: F401  (fixtures)
