"""The people and organisations tests start from: users, sectors, companies, members, consultancies.

One helper per thing, chained (a member is a user in a company); every value a test does not care
about is unique or fixed here, so a test names only what it is about. Test modules import these and
never each other: criteria sets and answers live beside them in tests/worlds.py and
tests/questionnaire_world.py, engine specs in tests/specs.py.
"""

import io
import itertools
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from assessment.models import Library
from ledger.energy import CARRIERS
from ledger.models import DataSheet, EnergyUse
from ledger.sheets import recompute
from organisations.credit_code import check_character
from organisations.models import AccessGrant, Company, Consultancy, Consultant, Membership, Role, Sector

PASSWORD = "a-long-Passphrase-42"
VALID_CODE = "91350100M000100Y43"  # a real-looking unified social credit code, never made by credit_code()
_serial = itertools.count(1)


def make_user(name: str = "user", *, password: str = PASSWORD, staff: bool = False, superuser: bool = False) -> User:
    """A user whose login is an email: `name` itself when it is one, else a unique `name-N@example.com`."""
    email = name if "@" in name else f"{name}-{next(_serial)}@example.com"
    return User.objects.create_user(
        username=email, email=email, password=password, is_staff=staff or superuser, is_superuser=superuser
    )


def make_sector(code: str = "26") -> Sector:
    """A division (大类) under section C: 26 (chemicals) as in the reference data, or a test industry."""
    section, _ = Sector.objects.get_or_create(code="C", defaults={"name_zh": "制造业", "name_en": "Manufacturing"})
    names = {"name_zh": "化学原料和化学制品制造业", "name_en": "Chemicals"} if code == "26" else {}
    division, _ = Sector.objects.get_or_create(
        code=code,
        defaults={"parent": section, **(names or {"name_zh": f"测试行业 {code}", "name_en": f"Test industry {code}"})},
    )
    return division


def credit_code() -> str:
    """A unique, valid unified social credit code (check character included)."""
    first17 = f"913501000000{next(_serial):05d}"
    return first17 + check_character(first17)


def make_company(
    name: str = "Fuzhou Green Chem",
    *,
    owner: User | None = None,
    sector: Sector | None = None,
    province: str = "FJ",
    size: str = "medium",
    code: str | None = None,
) -> Company:
    company = Company.objects.create(
        name=name, credit_code=code or credit_code(), sector=sector or make_sector(), province=province, size=size
    )
    if owner is not None:
        Membership.objects.create(user=owner, company=company, role=Role.OWNER)
    return company


def member(company: Company, name: str, role: str, *, password: str = PASSWORD) -> User:
    """A new user with `role` in `company`."""
    user = make_user(name, password=password)
    Membership.objects.create(user=user, company=company, role=role)
    return user


def make_consultancy(name: str = "Blue Sky Advisors", admin: User | None = None) -> Consultancy:
    firm = Consultancy.objects.create(name=name)
    if admin is not None:
        Consultant.objects.create(user=admin, consultancy=firm, is_admin=True)
    return firm


def consultancy_library(name_zh: str, name_en: str, source: str, firm: str = "Green Advisors Ltd") -> Library:
    """A yardstick library owned by a new consultancy named `firm`."""
    return Library.objects.create(
        owner=Library.Owner.CONSULTANCY,
        consultancy=make_consultancy(firm),
        name_zh=name_zh,
        name_en=name_en,
        source=source,
    )


def consultant_for(company: Company, *, revoked: bool = False) -> User:
    """A consultant at a new consultancy granted access to `company` (the grant revoked when asked)."""
    user = make_user("consultant")
    firm = Consultancy.objects.create(name=f"Advisors {next(_serial)}")
    Consultant.objects.create(user=user, consultancy=firm)
    AccessGrant.objects.create(company=company, consultancy=firm, revoked_at=timezone.now() if revoked else None)
    return user


def png_bytes(size: tuple[int, int] = (40, 20), fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 140, 60)).save(buffer, format=fmt)
    return buffer.getvalue()


def company_data(**overrides: object) -> dict[str, object]:
    """What the company form posts for a valid new company."""
    data: dict[str, object] = {
        "name": "Xiamen Steel",
        "credit_code": VALID_CODE,
        "sector": make_sector().pk,
        "province": "FJ",
        "size": "large",
    }
    data.update(overrides)
    return data


def make_sheet(company: Company, year: int = 2025, **figures: Any) -> DataSheet:
    """A data sheet with five energy carriers (coal, gas, grid, on-site renewables, certificates), computed."""
    sheet = DataSheet.objects.create(company=company, year=year, **figures)
    for carrier, quantity in (
        ("raw_coal", 1000),
        ("natural_gas", 100000),
        ("grid", 2000000),
        ("onsite_renewable", 500000),
        ("gec", 300),
    ):
        EnergyUse.objects.create(sheet=sheet, carrier=carrier, quantity=quantity)
    recompute(DataSheet.objects.prefetch_related("uses", "products").get(pk=sheet.pk))
    sheet.refresh_from_db()
    return sheet


def cement_company(name: str = "Ledger Cement Co", *, province: str = "ZJ") -> Company:
    """A cement works (sector 30, whose sector values the reference data holds), in Zhejiang unless told."""
    return make_company(name, sector=Sector.objects.get(code="30"), province=province)


def sheet_post(**overrides: str) -> dict[str, str]:
    data = {
        "method": "average",
        "grid_region": "national",
        "energy-TOTAL_FORMS": str(len(CARRIERS)),
        "energy-INITIAL_FORMS": str(len(CARRIERS)),
        "energy-MIN_NUM_FORMS": "0",
        "energy-MAX_NUM_FORMS": "1000",
        "products-TOTAL_FORMS": "1",
        "products-INITIAL_FORMS": "0",
        "products-MIN_NUM_FORMS": "0",
        "products-MAX_NUM_FORMS": "1000",
        "products-0-name_zh": "水泥",
        "products-0-name_en": "Cement",
        "products-0-unit": "t",
        "products-0-quantity": "10000",
        "products-0-main": "on",
        "water_intake": "5000",
        "water_reused": "45000",
    }
    for i, carrier in enumerate(CARRIERS):
        data[f"energy-{i}-carrier"] = carrier
    quantities = {
        "raw_coal": "1000",
        "natural_gas": "100000",
        "grid": "2000000",
        "onsite_renewable": "500000",
        "gec": "300",
    }
    for i, carrier in enumerate(CARRIERS):
        data[f"energy-{i}-quantity"] = quantities.get(carrier, "")
    return data | overrides


def licence_png(name: str = "licence.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")
