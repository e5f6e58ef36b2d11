import organisations.models
from django.db import migrations, models


def fill_codes(apps, schema_editor):
    Consultancy = apps.get_model("organisations", "Consultancy")
    for consultancy in Consultancy.objects.filter(access_code__isnull=True):
        consultancy.access_code = organisations.models.new_access_code()
        consultancy.save(update_fields=["access_code"])


class Migration(migrations.Migration):

    dependencies = [
        ("organisations", "0001_initial"),
    ]

    operations = [
        # Nullable first, filled per row, then unique: existing rows each get their own code.
        migrations.AddField(
            model_name="consultancy",
            name="access_code",
            field=models.CharField(max_length=8, null=True, verbose_name="access code"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="consultancy",
            name="access_code",
            field=models.CharField(
                default=organisations.models.new_access_code, max_length=8, unique=True, verbose_name="access code"
            ),
        ),
    ]
