"""The admin's names for the third-party apps, in the user's language (their own configs name them in English)."""

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class GreenmfgConfig(AppConfig):
    name = "greenmfg"
    verbose_name = "greenmfg"


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login lockouts")


class TasksConfig(TasksAppConfig):
    verbose_name = _("Background tasks")  # type: ignore[assignment]  # its base declares a plain str
