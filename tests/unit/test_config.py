"""Settings from the environment: bad values are refused with a message naming the variable."""

from __future__ import annotations

import pytest

from service.config import ConfigError, Settings

SQLITE = {"DATABASE_URL": "sqlite:///var/app.db", "SECRET_KEY": "k"}


@pytest.mark.parametrize("schema", ["tenant_a", "_x", "t" * 63])
def test_a_plain_schema_name_is_taken(schema):
    assert Settings.from_env({**SQLITE, "DATABASE_SCHEMA": schema}).database_schema == schema


@pytest.mark.parametrize("schema", ["Tenant_A", "1tenant", "スキーマ", "a-b", 'x"; DROP', "t" * 64])
def test_a_schema_name_that_would_need_quotes_is_refused(schema):
    """search_path takes the name unquoted, CREATE SCHEMA quoted: "Tenant_A" would be two schemas."""
    with pytest.raises(ConfigError, match="DATABASE_SCHEMA は引用符なしの PostgreSQL の名前"):
        Settings.from_env({**SQLITE, "DATABASE_SCHEMA": schema})
