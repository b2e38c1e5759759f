"""The dbt project's SQL passes sqlfluff (`make lint`), so CI catches a model that does not."""

from __future__ import annotations

import pytest

from tests.lint_sql import run_sqlfluff

pytestmark = pytest.mark.integration


def test_dbt_project_passes_sqlfluff(capfd):
    assert run_sqlfluff("lint") == 0, capfd.readouterr().out
