"""Shared fixtures: test settings and the reference data, loaded once. The make_* helpers are in tests/factories.py."""

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


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data (policies, sectors, criteria, sector values, demo company) loaded once."""
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)
