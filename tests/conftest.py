"""Shared fixtures: test settings, the reference data (loaded once), and a questionnaire-world draft with a
logged-in editor. The make_* helpers are in tests/factories.py and the world modules."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from assessment.models import Assessment
from organisations.models import Role
from tests.factories import make_company, member
from tests.questionnaire_world import make_assessment


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


@pytest.fixture
def assessment() -> Assessment:
    """A draft on the questionnaire world's criteria set (tests/questionnaire_world.py). A module whose
    tests need another assessment defines its own `assessment` fixture, which takes precedence."""
    return make_assessment(make_company())


@pytest.fixture
def editor(client, assessment: Assessment) -> User:
    """An editor of the assessment's company, logged in on `client`."""
    user = member(assessment.company, "editor", Role.EDITOR)
    client.force_login(user)
    return user
