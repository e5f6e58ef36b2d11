"""The .env file: read by the settings for what the environment does not set; bin/setup's is for development."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from greenmfg.settings import read_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
ENV_FILE = BASE_DIR / ".env"
WRITTEN_BY_SETUP = "# Written by bin/setup for development"


def clean_env(**variables: str) -> dict[str, str]:
    """Only PATH and HOME from this process: no DEBUG, SECRET_KEY or DATABASE_URL that bin/test sets."""
    return {**{name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ}, **variables}


def manage(*args: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=clean_env(**variables),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_env_file_fills_in_only_what_the_environment_does_not_set(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# a comment\n"
        "\n"
        "GREENMFG_T_PLAIN=1\n"
        "export GREENMFG_T_EXPORTED=yes\n"
        'GREENMFG_T_DOUBLE="greenmfg <noreply@localhost>"\n'
        "GREENMFG_T_SINGLE='a b'\n"
        "GREENMFG_T_EMPTY=\n"
        "GREENMFG_T_SET_ALREADY=from-file\n"
    )
    for name in ("PLAIN", "EXPORTED", "DOUBLE", "SINGLE", "EMPTY"):
        monkeypatch.delenv(f"GREENMFG_T_{name}", raising=False)
    monkeypatch.setenv("GREENMFG_T_SET_ALREADY", "from-environment")

    read_env_file(env_file)

    assert os.environ["GREENMFG_T_PLAIN"] == "1"
    assert os.environ["GREENMFG_T_EXPORTED"] == "yes"
    assert os.environ["GREENMFG_T_DOUBLE"] == "greenmfg <noreply@localhost>"
    assert os.environ["GREENMFG_T_SINGLE"] == "a b"
    assert os.environ["GREENMFG_T_EMPTY"] == ""
    assert os.environ["GREENMFG_T_SET_ALREADY"] == "from-environment"


def test_env_file_with_a_bad_line_names_it(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nthis is not a variable\n")

    with pytest.raises(ImproperlyConfigured, match=r"\.env, line 2: expected NAME=value"):
        read_env_file(env_file)


def test_no_env_file_is_fine(tmp_path):
    read_env_file(tmp_path / "missing")


@pytest.mark.skipif(shutil.which("git") is None or not (BASE_DIR / ".git").exists(), reason="not a git checkout")
def test_env_file_is_git_ignored():
    done = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=BASE_DIR)
    assert done.returncode == 0, ".env is not git-ignored"


@pytest.mark.skipif(
    ENV_FILE.exists() and not ENV_FILE.read_text().startswith(WRITTEN_BY_SETUP),
    reason="this .env was not written by bin/setup (bin/setup keeps an existing one)",
)
def test_bin_setup_wrote_a_development_env_file():
    assert ENV_FILE.exists(), "No .env: run bin/setup --no-serve, which writes one."
    text = ENV_FILE.read_text()
    values = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    assert values["DEBUG"] == "1"
    assert values["SECRET_KEY"].startswith("django-insecure-") and len(values["SECRET_KEY"]) >= 66
    assert ENV_FILE.stat().st_mode & 0o077 == 0, "the key is readable by other users"


def test_debug_off_refuses_a_development_key():
    done = manage("check", DEBUG="0", SECRET_KEY="django-insecure-" + secrets.token_urlsafe(50))

    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off, to a real key: django-insecure- keys" in done.stderr


@pytest.mark.skipif(
    not ENV_FILE.exists() or not ENV_FILE.read_text().startswith(WRITTEN_BY_SETUP),
    reason="needs the .env that bin/setup writes",
)
def test_production_still_refuses_to_start_without_a_real_key_next_to_bin_setups_env():

    done = manage("check", DEBUG="0")

    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in done.stderr


def test_the_environment_wins_over_env_file():
    key = secrets.token_urlsafe(64)
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY)"

    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, capture_output=True, text=True, timeout=120,
        env=clean_env(DJANGO_SETTINGS_MODULE="greenmfg.settings", DEBUG="0", SECRET_KEY=key),
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", key]
