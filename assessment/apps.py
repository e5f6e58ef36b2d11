from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "assessment"

    def ready(self) -> None:
        from django.core import checks

        from assessment import checks as report_checks

        checks.register(report_checks.check_cjk_font)
        checks.register(report_checks.check_harfbuzz_subset)
