from django.contrib.auth.models import User
from django.core.management import BaseCommand
from django.db import transaction

from organisations.models import AccessGrant, Company, Consultancy, Consultant, Membership, Role

# Fixed, documented demo logins: for demonstrations only, never on a production site with real data.
DEMO_ADMIN = ("admin@demo.greenmfg.cn", "demo-admin-2026")
DEMO_OWNER = ("owner@demo.greenmfg.cn", "demo-owner-2026")
DEMO_CONSULTANT = ("consultant@demo.greenmfg.cn", "demo-consultant-2026")
DEMO_CONSULTANCY = "Demo Green Consulting 演示绿色咨询"


def ensure_user(email: str, password: str, *, staff: bool = False) -> User:
    """Create or reset a demo user, so the printed password always works."""
    user, _created = User.objects.get_or_create(username=email, defaults={"email": email})
    user.email = email
    user.is_staff = user.is_superuser = staff
    user.is_active = True
    user.set_password(password)
    user.save()
    return user


class Command(BaseCommand):
    help = "Create (or reset) the demo admin, the demo company's owner and a demo consultant; print their logins."

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        ensure_user(*DEMO_ADMIN, staff=True)
        logins = [("admin (staff, superuser)", *DEMO_ADMIN)]

        company = Company.objects.filter(is_demo=True).order_by("pk").first()
        if company is None:
            self.stdout.write(
                self.style.WARNING(
                    "No demo company (Company with is_demo=True) exists: run `manage.py load_reference_data` "
                    "first. Only the admin was created."
                )
            )
        else:
            owner = ensure_user(*DEMO_OWNER)
            Membership.objects.update_or_create(user=owner, company=company, defaults={"role": Role.OWNER})
            consultant_user = ensure_user(*DEMO_CONSULTANT)
            firm = Consultancy.objects.filter(name=DEMO_CONSULTANCY).first() or Consultancy.objects.create(
                name=DEMO_CONSULTANCY
            )
            Consultant.objects.update_or_create(user=consultant_user, consultancy=firm, defaults={"is_admin": True})
            if not AccessGrant.objects.active().filter(company=company, consultancy=firm).exists():
                AccessGrant.objects.create(company=company, consultancy=firm, granted_by=owner)
            logins += [
                (f"owner of {company.name}", *DEMO_OWNER),
                (f"consultant at {firm.name} (access code {firm.access_code})", *DEMO_CONSULTANT),
            ]

        self.stdout.write(self.style.SUCCESS("Demo logins (email / password):"))
        for role, email, password in logins:
            self.stdout.write(f"  {role}:\n    {email} / {password}")
