"""The commands the README and docs/answers-format.md show work as written after bin/setup, exporting nothing.

Each command is taken verbatim from the documentation (the test fails if the text changes) and run by bash in a
new process whose environment holds only PATH and HOME: no DEBUG, SECRET_KEY or DATABASE_URL from bin/test, so
DEBUG and the key come from the .env that bin/setup writes. Output files go to a temporary directory. Commands
that need data run against a scratch SQLite database (DATABASE_URL, the one variable added): a migrated one
(a copy of this run's SQLite test database, or made by the documented migrate) filled by the documented
load_reference_data, so the developer's db.sqlite3 is neither needed nor changed.
"""

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent
README = (BASE_DIR / "README.md").read_text(encoding="utf-8")
ANSWERS_FORMAT = (BASE_DIR / "docs" / "answers-format.md").read_text(encoding="utf-8")


def documented(command: str, document: str = README) -> str:
    assert command in document, f"the documentation no longer shows: {command}"
    return command


def run(command: str, **variables: str) -> subprocess.CompletedProcess:
    if not (BASE_DIR / ".env").exists():
        pytest.fail("No .env: run bin/setup --no-serve, which writes one.")
    env = {name: os.environ[name] for name in ("PATH", "HOME") if name in os.environ} | variables
    done = subprocess.run(["bash", "-c", command], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{command}\nexit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def scratch_db(tmp_path_factory: pytest.TempPathFactory, django_db_setup, django_db_blocker) -> str:
    path = tmp_path_factory.mktemp("scratch-db") / "db.sqlite3"
    url = f"sqlite:///{path}"
    if connection.vendor == "sqlite":
        # This run's SQLite test database is migrated already: a copy saves a migrate (about 10 s).
        with django_db_blocker.unblock(), sqlite3.connect(path) as target:
            connection.ensure_connection()
            connection.connection.backup(target)
    else:
        run(documented(".venv/bin/python manage.py migrate"), DATABASE_URL=url)
    done = run(documented(".venv/bin/python manage.py load_reference_data"), DATABASE_URL=url)
    assert "Installed" in done.stdout
    return url


def test_plain_pytest():
    done = run(documented(".venv/bin/pytest tests/test_scoring.py"))

    assert " passed" in done.stdout.splitlines()[-1]


def test_score_answers(scratch_db):
    documented(".venv/bin/python manage.py score_answers FILE.json", ANSWERS_FORMAT)
    command = documented(".venv/bin/python manage.py score_answers docs/examples/factory-demo-answers.json")

    scorecard = json.loads(run(command, DATABASE_URL=scratch_db).stdout)

    assert scorecard["criteria_set"] == "factory-gbt36132-2025"
    assert float(scorecard["total"]) > 0


def test_export_criteria(scratch_db, tmp_path):
    command = documented(".venv/bin/python manage.py export_criteria factory-gbt36132-2025 --out factory-criteria.json")
    out = tmp_path / "factory-criteria.json"

    run(command.replace("factory-criteria.json", str(out)), DATABASE_URL=scratch_db)

    criteria = json.loads(out.read_text(encoding="utf-8"))
    assert criteria["format"] == "greenmfg-criteria/1"
    assert criteria["code"] == "factory-gbt36132-2025"


def test_render_report(scratch_db, tmp_path):
    command = documented(".venv/bin/python manage.py render_report 9001 --lang en --out report.pdf")
    out = tmp_path / "report.pdf"

    done = run(command.replace("report.pdf", str(out)), DATABASE_URL=scratch_db)

    assert out.read_bytes().startswith(b"%PDF-")
    assert " pages, " in done.stdout


def test_filing_pack(scratch_db, tmp_path):
    command = documented(".venv/bin/python manage.py filing_pack 9001 --lang zh-hans --out pack.zip")
    out = tmp_path / "pack.zip"

    done = run(command.replace("pack.zip", str(out)), DATABASE_URL=scratch_db)

    assert out.read_bytes().startswith(b"PK") and "1-自评价报告.pdf" in done.stdout


def test_export_demo_answers(scratch_db, tmp_path):
    command = documented(".venv/bin/python manage.py export_demo_answers --dir answers")

    run(command.replace("--dir answers", f"--dir {tmp_path / 'answers'}"), DATABASE_URL=scratch_db)

    written = sorted(path.name for path in (tmp_path / "answers").iterdir())
    assert written == sorted(path.name for path in (BASE_DIR / "docs" / "examples").glob("*-demo-answers.json"))


def test_demo_users(scratch_db):
    done = run(documented(".venv/bin/python manage.py demo_users"), DATABASE_URL=scratch_db)

    assert "owner@demo.greenmfg.cn / demo-owner-2026" in done.stdout


def test_deploy_check_with_the_production_values_shown():
    command = documented(
        "DEBUG=0 SECRET_KEY=\"$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(64))')\" \\\n"
        "  ALLOWED_HOSTS=greenmfg.example.com CSRF_TRUSTED_ORIGINS=https://greenmfg.example.com \\\n"
        "  .venv/bin/python manage.py check --deploy --fail-level WARNING"
    )

    done = run(command)

    assert "System check identified no issues" in done.stdout


def test_setup_help_prints_its_usage_and_no_code():
    done = run(documented("bin/setup --help"))

    assert "bin/setup --no-serve" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("PYTHON=/path/to/python3.12 bin/setup")
    assert "set -euo" not in done.stdout and "cd " not in done.stdout
