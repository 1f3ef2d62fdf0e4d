"""Configuration: defaults, and one clear line naming the bad variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.config import ConfigError, load_config


def test_defaults_are_an_embedded_sqlite():
    config = load_config({})
    assert config.database_url.startswith("sqlite:///")
    assert config.secret_key  # generated per process in development
    assert config.imap_accounts == ()


def test_postgresql_url_gets_the_psycopg_driver():
    config = load_config({"DATABASE_URL": "postgresql://u:pw@db/x"})
    assert config.database_url == "postgresql+psycopg://u:pw@db/x"
    assert "pw" not in str(config.redacted())


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"APP_ENV": "production"}, "SECRET_KEY"),
        ({"IMAP_HOST": "h", "IMAP_USER": "u", "IMAP_PORT": "99999"}, "IMAP_PORT"),
        ({"IMAP_HOST": "h", "IMAP_USER": "u", "IMAP_PORT": "abc"}, "IMAP_PORT"),
        ({"IMAP_HOST": "h"}, "IMAP_USER"),
        ({"IMAP_ACCOUNTS": "dpo"}, "IMAP_DPO_HOST"),
        ({"IMAP_HOST": "h", "IMAP_USER": "u", "IMAP_SSL": "maybe"}, "IMAP_SSL"),
        ({"WIDGET_ALLOWED_ORIGINS": "caser.es"}, "WIDGET_ALLOWED_ORIGINS"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
    ],
)
def test_bad_configuration_names_the_variable(environ, variable):
    with pytest.raises(ConfigError, match=variable):
        load_config(environ)


def test_two_accounts_from_the_environment():
    config = load_config(
        {
            "IMAP_ACCOUNTS": "derechos,dpo",
            "IMAP_DERECHOS_HOST": "imap.example",
            "IMAP_DERECHOS_USER": "derechos",
            "IMAP_DERECHOS_PASSWORD": "s1",
            "IMAP_DPO_HOST": "imap.example",
            "IMAP_DPO_USER": "dpo",
            "IMAP_DPO_PASSWORD": "s2",
            "IMAP_DPO_SSL": "no",
        }
    )
    assert [(a.name, a.port, a.ssl) for a in config.imap_accounts] == [("derechos", 993, True), ("dpo", 143, False)]
    assert "s1" not in repr(config) and "s2" not in str(config.redacted())


def test_cli_fails_at_start_with_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "db", "upgrade"],
        env={"DATABASE_URL": "oracle://x", "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: DATABASE_URL: unsupported scheme 'oracle'; use sqlite:///path or postgresql://..."
    ]
