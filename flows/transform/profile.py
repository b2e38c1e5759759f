"""The connection dbt uses: environment variables read by dbt_project/profiles.yml."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit


def dbt_env(url: str) -> dict[str, str]:
    """Environment variables read by dbt_project/profiles.yml (password as a dbt secret)."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    return {
        "F1_PG_HOST": query.get("host") or parts.hostname or "localhost",
        "F1_PG_PORT": query.get("port") or str(parts.port or 5432),
        "F1_PG_USER": unquote(parts.username or "") or query.get("user", "postgres"),
        "F1_PG_DBNAME": unquote(parts.path.lstrip("/")) or query.get("dbname", "postgres"),
        "DBT_ENV_SECRET_F1_PG_PASSWORD": unquote(parts.password or "") or query.get("password", ""),
        "F1_PG_SSLMODE": query.get("sslmode", "prefer"),
    }
