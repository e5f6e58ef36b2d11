"""TimelineEvent.date_text becomes date_text_zh / date_text_en; existing texts are kept and the Chinese one derived."""

import re

from django.db import migrations, models

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
            ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
HALF = re.compile(r"^H([12])\s+(\d{4})$", re.IGNORECASE)
AS_OF = re.compile(r"^as of\s+(?:([A-Za-z]+)\.?\s+)?(\d{4})$", re.IGNORECASE)
ANNOUNCED = re.compile(r"^(.+?)\s*\(announced\s+(.+?)\)$", re.IGNORECASE)


def chinese_date_text(text: str) -> str:
    """The Chinese form of an English date text; ISO dates, year ranges and anything unknown are kept as they are."""
    text = text.strip()
    if match := HALF.match(text):
        return f"{match[2]}年{'上' if match[1] == '1' else '下'}半年"
    if match := AS_OF.match(text):
        if match[1] is None:
            return f"截至{match[2]}年"
        month = MONTHS.get(match[1].lower())
        return f"截至{match[2]}年{month}月" if month else text
    if match := ANNOUNCED.match(text):
        return f"{chinese_date_text(match[1])}（{chinese_date_text(match[2])}公布）"
    return text


def split_date_text(apps, schema_editor):
    TimelineEvent = apps.get_model("policies", "TimelineEvent")
    events = list(TimelineEvent.objects.exclude(date_text=""))
    for event in events:
        event.date_text_en = event.date_text
        event.date_text_zh = chinese_date_text(event.date_text)
    TimelineEvent.objects.bulk_update(events, ["date_text_zh", "date_text_en"])


def join_date_text(apps, schema_editor):
    TimelineEvent = apps.get_model("policies", "TimelineEvent")
    events = list(TimelineEvent.objects.all())
    for event in events:
        event.date_text = (event.date_text_en or event.date_text_zh)[:60]
    TimelineEvent.objects.bulk_update(events, ["date_text"])


class Migration(migrations.Migration):

    dependencies = [
        ("policies", "0002_policy_content"),
    ]

    operations = [
        migrations.AddField(
            model_name="timelineevent",
            name="date_text_zh",
            field=models.CharField(blank=True, help_text="e.g. 2016-09, 2019年上半年, 2018–2020", max_length=60, verbose_name="Date (Chinese)"),
        ),
        migrations.AddField(
            model_name="timelineevent",
            name="date_text_en",
            field=models.CharField(blank=True, help_text="e.g. 2016-09, H1 2019, 2018–2020", max_length=60, verbose_name="Date (English)"),
        ),
        migrations.RunPython(split_date_text, join_date_text, elidable=True),
        migrations.RemoveField(
            model_name="timelineevent",
            name="date_text",
        ),
    ]
