"""Public policy pages (no login): landing, timeline, documents, focus areas, cases, list numbers, process."""

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from assessment.models import CriteriaSet, Gate, Indicator
from policies.charts import grouped_bar_svg, list_numbers_chart
from policies.models import (
    CompanyCase,
    Fact,
    FocusArea,
    ListCount,
    ListRelease,
    PolicyDocument,
    ProcessRule,
    TimelineEvent,
)


@dataclass
class ReleaseRow:
    """One line of the list-numbers table: a release with its counts laid out per area."""

    release: ListRelease
    listed: list[ListCount | None]  # in the order of the areas
    removed: list[ListCount] = field(default_factory=list)
    renamed: list[ListCount] = field(default_factory=list)


def release_rows(releases: list[ListRelease], areas: list[FocusArea]) -> list[ReleaseRow]:
    rows = []
    for release in releases:
        counts = list(release.counts.all())
        listed = {c.area: c for c in counts if c.measure == ListCount.Measure.LISTED}
        rows.append(
            ReleaseRow(
                release=release,
                listed=[listed.get(area.code) for area in areas],
                removed=[c for c in counts if c.measure == ListCount.Measure.REMOVED],
                renamed=[c for c in counts if c.measure == ListCount.Measure.RENAMED],
            )
        )
    return rows


@dataclass
class Citation:
    """What one criteria set takes from a document: governed by it, and/or gates and indicators citing it."""

    criteria_set: CriteriaSet
    governing: bool = False
    gates: list[Gate] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)


def citations(document: PolicyDocument) -> list[Citation]:
    """Group the (prefetched) criteria sets, gates and indicators citing `document` by criteria set."""
    by_set: dict[int, Citation] = {}

    def entry(criteria_set: CriteriaSet) -> Citation:
        return by_set.setdefault(criteria_set.pk, Citation(criteria_set))

    for criteria_set in document.criteria_sets.all():
        entry(criteria_set).governing = True
    for gate in document.gates.all():
        entry(gate.criteria_set).gates.append(gate)
    for indicator in document.indicators.all():
        entry(indicator.category.criteria_set).indicators.append(indicator)
    return sorted(by_set.values(), key=lambda c: (c.criteria_set.area, c.criteria_set.code))


def _releases(kind: str) -> list[ListRelease]:
    return list(ListRelease.objects.filter(kind=kind).prefetch_related("counts").select_related("document"))


def landing(request: HttpRequest) -> HttpResponse:
    areas = list(FocusArea.objects.all())
    batches = release_rows(_releases(ListRelease.Kind.BATCH), areas)
    stocks = release_rows(_releases(ListRelease.Kind.STOCK), areas)
    return render(
        request,
        "policies/landing.html",
        {
            "areas": areas,
            "latest_batch": batches[-1] if batches else None,
            "latest_stock": stocks[-1] if stocks else None,
            "area_counts": zip(areas, batches[-1].listed, strict=True) if batches else [],
            "stock_counts": zip(areas, stocks[-1].listed, strict=True) if stocks else [],
            "cases": CompanyCase.objects.select_related("focus_area"),
        },
    )


def timeline(request: HttpRequest) -> HttpResponse:
    events = TimelineEvent.objects.prefetch_related("documents")
    facts = Fact.objects.all()
    return render(
        request,
        "policies/timeline.html",
        {
            "events": events,
            "finance_measures": [f for f in facts if f.kind == Fact.Kind.FINANCE_MEASURE],
            "finance_prospects": [f for f in facts if f.kind == Fact.Kind.FINANCE_PROSPECT],
            "findings": [f for f in facts if f.kind == Fact.Kind.FINDING],
        },
    )


def document_list(request: HttpRequest) -> HttpResponse:
    documents = PolicyDocument.objects.prefetch_related("focus_areas")
    groups = [(label, [d for d in documents if d.kind == kind]) for kind, label in PolicyDocument.Kind.choices]
    return render(request, "policies/document_list.html", {"groups": [(label, docs) for label, docs in groups if docs]})


def document_detail(request: HttpRequest, code: str) -> HttpResponse:
    # Draft criteria are work in progress: only published or retired sets are cited publicly.
    public_sets = CriteriaSet.objects.exclude(status=CriteriaSet.Status.DRAFT)
    queryset = PolicyDocument.objects.prefetch_related(
        "focus_areas",
        "timeline_events",
        "process_rules",
        "list_releases",
        Prefetch("criteria_sets", queryset=public_sets),
        Prefetch("gates", queryset=Gate.objects.filter(criteria_set__in=public_sets).select_related("criteria_set")),
        Prefetch(
            "indicators",
            queryset=Indicator.objects.filter(category__criteria_set__in=public_sets).select_related(
                "category__criteria_set"
            ),
        ),
    )
    document = get_object_or_404(queryset, code=code)
    return render(request, "policies/document_detail.html", {"document": document, "citations": citations(document)})


def area_detail(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(FocusArea.objects.prefetch_related("documents", "cases", "facts"), code=code)
    counts = (
        ListCount.objects.filter(area=area.code, measure=ListCount.Measure.LISTED, release__kind=ListRelease.Kind.BATCH)
        .select_related("release")
        .order_by("release__year", "release__order")
    )
    criteria_sets = CriteriaSet.objects.published().filter(area=area.code)
    return render(
        request,
        "policies/area_detail.html",
        {"area": area, "counts": counts, "criteria_sets": criteria_sets, "areas": FocusArea.objects.all()},
    )


def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    case = get_object_or_404(CompanyCase.objects.select_related("focus_area"), slug=slug)
    others = CompanyCase.objects.exclude(pk=case.pk)
    return render(request, "policies/case_detail.html", {"case": case, "others": others})


def list_numbers(request: HttpRequest) -> HttpResponse:
    areas = list(FocusArea.objects.all())
    batches = _releases(ListRelease.Kind.BATCH)
    chart = list_numbers_chart(batches, areas, title=_("Units listed per national list and focus area"))
    return render(
        request,
        "policies/list_numbers.html",
        {
            "areas": areas,
            "chart": grouped_bar_svg(chart),
            "batches": release_rows(batches, areas),
            "stocks": release_rows(_releases(ListRelease.Kind.STOCK), areas),
        },
    )


def process_rules(request: HttpRequest) -> HttpResponse:
    rules = ProcessRule.objects.prefetch_related("documents")
    sections = [(label, [r for r in rules if r.section == key]) for key, label in ProcessRule.Section.choices]
    return render(request, "policies/process_rules.html", {"sections": [(label, rs) for label, rs in sections if rs]})
