from django import template

from assessment.models import Assessment, Report

register = template.Library()


@register.simple_tag
def latest_reports(assessment: Assessment) -> list[Report]:
    """The newest report of each kind (PDF, filing pack) and language, newest first, with the consultancy
    that made it (its name is shown)."""
    seen: dict[tuple[str, str], Report] = {}
    newest = Report.objects.filter(assessment=assessment).select_related("consultancy").order_by("-created_at")[:20]
    for report in newest:
        seen.setdefault((report.kind, report.language), report)
    return list(seen.values())
