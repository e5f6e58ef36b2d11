from django import template

from assessment.models import Assessment, Report

register = template.Library()


@register.simple_tag
def latest_reports(assessment: Assessment) -> list[Report]:
    """The newest report of each kind (PDF, filing pack) and language, newest first."""
    seen: dict[tuple[str, str], Report] = {}
    for report in Report.objects.filter(assessment=assessment).order_by("-created_at")[:20]:
        seen.setdefault((report.kind, report.language), report)
    return list(seen.values())
