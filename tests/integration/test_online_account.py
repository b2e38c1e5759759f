"""The F1 account: a run never stops at FastF1's sign-in prompt, and never shows the password."""

from __future__ import annotations

import re

import pytest

from tests.cli import run_env, run_in_terminal
from tests.standin.plugin import LIVETIMING

pytestmark = [pytest.mark.integration, pytest.mark.online]

MONZA_Q = ["backfill", "--year", "2019", "--events", "Italian", "--sessions", "Q"]
PROMPT = "F1 account email"  # fastf1/internals/f1account/login.py asks this on a terminal


def _env(db_url: str, tmp_path, **extra) -> dict[str, str]:
    env = run_env(
        db_url,  # and the stand-in's proxy variables (the `standin` fixture set them)
        FASTF1_CACHE_DIR=str(tmp_path / "fastf1-cache"),  # cold: every stream is fetched
        COLUMNS="120",
        **extra,
    )
    for name in ("F1_USERNAME", "F1_PASSWORD"):
        if name not in extra:
            env.pop(name, None)
    return env


def _run_in_terminal(env: dict[str, str]) -> tuple[int, str]:
    """Run the backfill with a terminal on stdin, stdout and stderr; a prompt would hang it."""
    code, output = run_in_terminal(MONZA_Q, env)
    text = re.sub(r"\x1b\[[0-9;]*m", "", output.decode(errors="replace"))  # no styles
    return code, " ".join(text.split())


def test_without_an_account_a_terminal_run_never_prompts(
    standin, db_url, prefect_backend, tmp_path
):
    # a tiny budget (the session needs about 13 calls): the bar shows the waits too
    budget = {"RATE_BUDGET_CALLS": "3", "RATE_BUDGET_WINDOW_SECONDS": "6"}
    code, text = _run_in_terminal(_env(db_url, tmp_path, **budget))

    assert PROMPT not in text
    assert code == 0, text[-3000:]
    assert text.count("no F1 account (F1_USERNAME/F1_PASSWORD unset)") == 1
    assert "1 loaded" in text
    assert any(r["host"] == LIVETIMING for r in standin.requests())
    assert "INFO flows.extract.network: waiting " in text  # the log line
    assert re.search(r"sessions · 0 rows [\d:]+ waiting \d+ s for F1's rate budget", text)


def test_an_account_is_used_and_its_password_never_shown(
    standin, db_url, prefect_backend, tmp_path
):
    password = "s3cret-Pa55word-for-the-test"
    env = _env(
        db_url, tmp_path, F1_USERNAME="driver@example.com", F1_PASSWORD=password, LOG_LEVEL="DEBUG"
    )

    code, text = _run_in_terminal(env)

    assert code == 0, text[-3000:]
    assert PROMPT not in text
    # the sign-in was tried (the stand-in has no F1 account service) and said so once
    assert text.count("F1 account sign-in failed") == 1
    assert any(r["host"] == "account.formula1.com" for r in standin.requests())
    logged = "".join(p.read_text() for p in (tmp_path / "data" / "logs").glob("f1.log*"))
    assert logged and password not in logged and password not in text
    assert "driver@example.com" not in logged and "driver@example.com" not in text
