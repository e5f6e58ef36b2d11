from typing import Any

from django.core.management.base import BaseCommand

from standing.refresh import refresh_all


class Command(BaseCommand):
    help = "Rebuild the peer-standing summary tables from every submitted snapshot."

    def handle(self, *args: Any, **options: Any) -> None:
        groups = refresh_all()
        self.stdout.write(f"{groups} peer groups refreshed")
