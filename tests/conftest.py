"""Shared fixtures: test settings and the reference data, loaded once. The make_* helpers are in tests/factories.py."""

from collections.abc import Callable

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_rescored_snapshots():
    """Each test starts with no re-scored snapshot in memory: its query counts do not depend on the tests
    run before it (whose snapshots may have the same content)."""
    from assessment.scorecards import rescored

    rescored.cache_clear()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data (policies, sectors, criteria, sector values, demo company) loaded once."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.fixture
def run_worker(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Process every queued task with the real `db_worker --batch` command, in this test's transaction."""
    # The worker drops "unusable" connections between tasks; inside a test transaction that would
    # abort the transaction, so keep the connection.
    monkeypatch.setattr("django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None)

    def run() -> None:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)

    return run
