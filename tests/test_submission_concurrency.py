"""Two submits at the same moment: one snapshot, one report job (issue 6, "Submit exactly once").

Threads need committed data, so this is a transactional test; the flush at its end would wipe
the reference data other tests rely on, so `reload_reference_data` puts it back afterwards.
"""

import threading

import pytest
from django.core.management import call_command
from django.db import connection

from assessment import submission, tasks
from assessment.models import Assessment, AuditEvent, Snapshot
from tests.worlds import answer_all, make_world


@pytest.fixture
def reload_reference_data(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        call_command("load_reference_data", verbosity=0)


@pytest.mark.skipif(connection.vendor == "sqlite", reason="in-memory SQLite test databases do not lock across threads")
def test_two_concurrent_submits_make_one_snapshot_and_one_report_job(
    reload_reference_data, transactional_db, monkeypatch
):
    calls: list[int] = []
    monkeypatch.setattr(tasks, "enqueue_report", lambda assessment, language, user: calls.append(assessment.pk))
    world = make_world(20)
    answer_all(world.assessment)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(user):
        try:
            barrier.wait()
            submission.submit(world.assessment.pk, user=user, language="en")
            outcomes.append("submitted")
        except submission.AlreadySubmitted:
            outcomes.append("already")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(user,)) for user in (world.editor, world.owner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["already", "submitted"]
    assert Snapshot.objects.filter(assessment=world.assessment).count() == 1
    assert calls == [world.assessment.pk]
    assert AuditEvent.objects.filter(action="assessment.submitted", object_id=str(world.assessment.pk)).count() == 1
    assert Assessment.objects.get(pk=world.assessment.pk).status == Assessment.Status.SUBMITTED
