from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessment")

    def ready(self) -> None:
        from django.core import checks

        from assessment import checks as report_checks
        from assessment import freshness

        freshness.connect()
        checks.register(report_checks.check_cjk_font)
        checks.register(report_checks.check_harfbuzz_subset)
