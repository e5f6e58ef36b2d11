"""A throw-away test database for one bench run: test_<name> on PostgreSQL when DATABASE_URL points there,
SQLite in memory otherwise; created empty and migrated, destroyed at the end even when the run fails."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def throwaway_database() -> Iterator[None]:
    real_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0)
