"""Collapse identical publications of a group's basis into one row (the latest of them).

The differencing check compares a candidate with each distinct earlier publication, so repeats add
nothing but rows; standing.refresh.remember no longer writes them.
"""

from django.db import migrations


def drop_repeats(apps, schema_editor):
    PeerBasis = apps.get_model("standing", "PeerBasis")
    PeerStat = apps.get_model("standing", "PeerStat")
    for stat_id in PeerStat.objects.filter(bases__isnull=False).values_list("pk", flat=True).distinct().iterator():
        rows = PeerBasis.objects.filter(stat_id=stat_id).order_by("-published_at", "-pk").values_list("pk", "members")
        kept: list[dict] = []
        repeats = []
        for pk, members in rows.iterator():
            if members in kept:
                repeats.append(pk)
            else:
                kept.append(members)
        PeerBasis.objects.filter(pk__in=repeats).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("standing", "0006_peer_headcount"),
    ]

    operations = [
        migrations.RunPython(drop_repeats, migrations.RunPython.noop),
    ]
