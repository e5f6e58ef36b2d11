"""Autosave under real concurrency on PostgreSQL: committed rows, one connection per thread.

No django_db mark: the test commits its own rows (other connections must see them) and deletes
them afterwards, so the reference data loaded for the session stays.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from assessment.answers import AnswerValues, Outcome, save_answer
from assessment.models import Answer
from tests.factories import make_company
from tests.questionnaire_world import make_assessment


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are only real on PostgreSQL")
def test_concurrent_saves_on_one_version_have_exactly_one_winner(django_db_setup, django_db_blocker):
    """Eight people save the same answer at once, all based on version 0: one wins, seven get a conflict.

    Runs outside the test transaction (other connections must see the rows) and deletes what it
    made, so the reference data loaded for the session stays.
    """
    with django_db_blocker.unblock():
        company = make_company("Concurrency Co")
        assessment = make_assessment(company)
        criteria_set = assessment.criteria_set
        barrier = threading.Barrier(8)
        # Each thread gets its own connection to the test database (not the pool, which may still
        # point at the database named in DATABASE_URL).
        test_settings = {
            **connection.settings_dict,
            "OPTIONS": {k: v for k, v in connection.settings_dict["OPTIONS"].items() if k != "pool"},
        }

        def worker(i: int) -> Outcome:
            connections["default"].settings_dict = dict(test_settings)
            barrier.wait()
            try:
                values = AnswerValues(choice=("met", "partly", "not_met")[i % 3], comment=f"worker {i}")
                return save_answer(assessment, "M01", values, version=0, client=f"page-{i}").outcome
            finally:
                connection.close()

        try:
            with ThreadPoolExecutor(max_workers=8) as pool:
                outcomes = list(pool.map(worker, range(8)))
            rows = list(Answer.objects.filter(assessment=assessment, code="M01"))
            assert outcomes.count(Outcome.SAVED) == 1, outcomes
            assert all(o == Outcome.CONFLICT for o in outcomes if o != Outcome.SAVED)
            assert len(rows) == 1 and rows[0].version == 1
            winner = outcomes.index(Outcome.SAVED)
            assert rows[0].comment == f"worker {winner}"
        finally:
            assessment.delete()
            criteria_set.delete()
            company.delete()
