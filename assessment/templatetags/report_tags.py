from django import template
from django.db.models import prefetch_related_objects

from assessment.models import Assessment, Report

register = template.Library()

# The results page reads the report panel on every view: as SQL, the ORM would spend three times the query's
# own time compiling it (bench/results_bench.py).
LATEST_SQL = f'SELECT * FROM "{Report._meta.db_table}" WHERE "assessment_id" = %s ORDER BY "created_at" DESC LIMIT 20'


@register.simple_tag
def latest_reports(assessment: Assessment) -> list[Report]:
    """The newest report of each kind (PDF, filing pack) and language, newest first, with the consultancy
    that made it (its name is shown)."""
    seen: dict[tuple[str, str], Report] = {}
    for report in Report.objects.raw(LATEST_SQL, [assessment.pk]):
        seen.setdefault((report.kind, report.language), report)
    latest = list(seen.values())
    # The consultancies that made them in one query, none when no report has one.
    prefetch_related_objects(latest, "consultancy")
    return latest
