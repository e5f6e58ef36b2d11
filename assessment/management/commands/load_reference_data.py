from django.conf import settings
from django.core.management import BaseCommand, call_command

from ledger.models import DataSheet
from ledger.sheets import recompute

# Load order matters: criteria name their policy basis and sector values name their sector.
FIXTURES = [
    "policies",
    "sectors",
    "criteria_factory",
    "criteria_supply_chain",
    "criteria_park",
    "criteria_design_product",
    "sector_values",
    "coefficients",
    "context_figures",
    "demo",
]


class Command(BaseCommand):
    help = "Load every reference fixture (policies, sectors, criteria, sector values, demo company) in order."

    def handle(self, *args: object, **options: object) -> None:
        fixture_dir = settings.FIXTURE_DIRS[0]
        names = [name for name in FIXTURES if (fixture_dir / f"{name}.json").exists()]
        call_command("loaddata", *names, verbosity=options.get("verbosity", 1))
        # Fixtures hold the data sheets' quantities; their computed figures come from the coefficients just loaded.
        for sheet in DataSheet.objects.prefetch_related("uses", "products"):
            recompute(sheet)
