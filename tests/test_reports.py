"""The PDF report: context, HTML escaping, the PDF itself (text and fonts), the url_fetcher."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.html import parse_html
from django.utils import translation

from assessment import pdf, reports
from assessment.models import (
    Answer,
    Assessment,
)
from organisations.models import Consultancy
from tests.factories import make_user
from tests.report_world import COMPANY_NAME, embedded_fonts, make_assessment, make_company, pdf_text

pytestmark = pytest.mark.django_db


def demo_factory_assessment() -> Assessment | None:
    return (
        Assessment.objects.filter(is_demo=True, criteria_set__area="factory")
        .select_related("company", "criteria_set")
        .order_by("id")
        .first()
    )


# --- Context ----------------------------------------------------------------------------------


def test_context_has_every_indicator_and_the_gaps():
    assessment = make_assessment()
    with translation.override("en"):
        ctx = reports.build_context(assessment, language="en")
    codes = [i["code"] for g in ctx["detail_groups"] for i in g["indicators"]]
    assert codes == [f"T{n:02d}" for n in range(1, 15)]
    assert ctx["draft"] is True
    assert [c["name"] for c in ctx["categories"]] == [
        "Energy low-carbon",
        "Resource efficiency",
        "Clean production",
        "Green products",
        "Intensive land use",
    ]
    gap_codes = [g["code"] for g in ctx["gaps"]]
    assert "T13" in gap_codes and "T09" not in gap_codes  # not met vs fully met
    t13 = next(g for g in ctx["gaps"] if g["code"] == "T13")
    assert t13["lost"] == "8.00"
    # The policy basis is printed once, in the policy chapter, with the indicators citing it.
    assert "basis" not in t13
    cited = {d["number"]: d["cited_by"] for d in ctx["cited_documents"]}
    assert "T13" in cited["GB/T 24067"]
    assert 3 <= len(ctx["top_actions"]) <= 5
    t02 = next(i for g in ctx["detail_groups"] for i in g["indicators"] if i["code"] == "T02")
    # Intensities: three significant figures, for the value and its yardsticks alike.
    assert t02["user_supplied"] is True and "0.150" in t02["yardstick"] and "0.250" in t02["yardstick"]
    assert t02["inputs"][0]["quantity"] == '<span class="nobr">3,100\xa0tCO<sub>2</sub></span>'
    t01 = next(i for g in ctx["detail_groups"] for i in g["indicators"] if i["code"] == "T01")
    assert t01["evidence"] == ["能源统计报表 B205-1.pdf"] and "GB 99999-2024" in t01["yardstick_source"]
    assert ctx["summary"]["reference"] == "72.50"
    assert "GB/T 36132-2025" in [d["number"] for d in ctx["governing_documents"]]
    assert "<svg" in ctx["chart_svg"]


def test_html_escapes_user_text():
    assessment = make_assessment(company=make_company("<b>Evil & Co</b>", code="91320500MA1TEST00X"))
    html = reports.render_html(assessment, language="en")
    assert "&lt;b&gt;Evil &amp; Co&lt;/b&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # The draft watermark is one element, the cover names the company once as its heading.
    document = parse_html(html)
    assert document.count(parse_html('<div class="watermark" aria-hidden="true">DRAFT</div>')) == 1


def test_compact_html_drops_layout_white_space_beside_blocks_only():
    html = (
        '<section>\n  <h2>Gaps</h2>\n  <div class="block">\n    <p class="head"><span class="code">F01</span> Energy'
        '<span class="pts">−2.00</span></p>\n    \n  </div>\n</section>\n<p>'
        '<span class="state">Met</span> <span class="code">B1</span>\n  <span class="muted">· x</span></p>'
        "<table>\n<tr>\n<td>a\n b</td>\n</tr>\n</table>"
    )
    assert reports.compact_html(html) == (
        '<section><h2>Gaps</h2><div class="block"><p class="head"><span class="code">F01</span> Energy'
        '<span class="pts">−2.00</span></p></div></section><p>'
        # Between inline elements and inside text, white space is a space on paper: kept as it was.
        '<span class="state">Met</span> <span class="code">B1</span>\n  <span class="muted">· x</span></p>'
        "<table><tr><td>a\n b</td></tr></table>"
    )
    # <sub>, <svg> and the text inside an SVG are not block tags: untouched.
    assert (
        reports.compact_html("<sub>2</sub>\n <svg>\n<text>a</text>\n</svg>")
        == "<sub>2</sub>\n <svg>\n<text>a</text>\n</svg>"
    )


# --- The PDF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pdf_has_the_content_in_the_right_language_and_a_cjk_font(language):
    assessment = make_assessment()
    with translation.override(language):
        ctx = reports.build_context(assessment, language=language)
    pdf = reports.render_pdf(assessment, language=language)
    text, reader = pdf_text(pdf.data)
    squeezed = text.replace(" ", "").replace("\n", "")
    assert COMPANY_NAME in squeezed
    assert ctx["summary"]["total"] in text
    for category in ctx["categories"]:
        assert category["name"].replace(" ", "") in squeezed
    # Chinese comes back as Chinese characters (content is Chinese in both languages' company name;
    # in zh-hans the category headings are Chinese too).
    if language == "zh-hans":
        assert "能源低碳化" in squeezed and "生产工艺和设备先进性" in squeezed
    else:
        assert "Energy low-carbon" in text and "Gap analysis" in text
    assert pdf.pages == len(reader.pages) >= 6
    fonts = embedded_fonts(reader)
    assert any("CJK" in name or "Noto" in name for name in fonts), fonts


def test_consultancy_name_and_logo_on_the_cover(tmp_path, settings):
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "logos").mkdir(parents=True)
    Image.new("RGB", (120, 40), (20, 120, 60)).save(tmp_path / "media" / "logos" / "firm.png")
    firm = Consultancy.objects.create(name="青松绿色咨询", logo="logos/firm.png")
    assessment = make_assessment()
    html = reports.render_html(assessment, language="zh-hans", consultancy=firm)
    assert "青松绿色咨询" in html and (tmp_path / "media" / "logos" / "firm.png").resolve().as_uri() in html
    pdf = reports.html_to_pdf(html)
    text, reader = pdf_text(pdf.data)
    assert "青松绿色咨询" in text.replace(" ", "")
    cover = reader.pages[0]
    assert any(
        str(x.get_object().get("/Subtype")) == "/Image" for x in cover["/Resources"].get("/XObject", {}).values()
    )


def test_submitted_assessment_uses_the_snapshot_and_has_no_watermark():
    from assessment.submission import submit

    user = make_user("owner-snap")
    assessment = make_assessment(user=user)
    snapshot = submit(assessment.pk, user=user, language="en")
    assessment.refresh_from_db()
    # A later edit of a live answer must not change the submitted report.
    Answer.objects.filter(assessment=assessment, code="T13").update(choice="met")
    with translation.override("en"):
        ctx = reports.build_context(assessment, language="en")
    assert ctx["draft"] is False
    assert ctx["summary"]["total"] == f"{snapshot.total:,.2f}"
    assert any(g["code"] == "T13" for g in ctx["gaps"])


def test_demo_factory_report_in_both_languages():
    assessment = demo_factory_assessment()
    assert assessment is not None, "fixtures/demo.json has a demo factory assessment"
    for language in ("zh-hans", "en"):
        with translation.override(language):
            ctx = reports.build_context(assessment, language=language)
        pdf = reports.render_pdf(assessment, language=language)
        text, reader = pdf_text(pdf.data)
        squeezed = text.replace(" ", "").replace("\n", "")
        assert assessment.company.name.replace(" ", "") in squeezed
        assert ctx["summary"]["total"] in text
        for category in ctx["categories"]:
            assert category["name"].replace(" ", "") in squeezed
        if language == "zh-hans":
            assert "能源低碳化" in squeezed
        assert len(reader.pages) >= 6
        assert any("CJK" in name for name in embedded_fonts(reader))


# --- url_fetcher ------------------------------------------------------------------------------


def test_fetcher_serves_static_and_media_files(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "a.png").write_bytes(b"\x89PNG fake")
    fetcher = pdf.LocalFileFetcher()
    assert fetcher.fetch((tmp_path / "media" / "a.png").as_uri()).read() == b"\x89PNG fake"
    css = fetcher.fetch(reports.static_file_url("css/report.css"))
    assert b"@page" in css.read() and css.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/static/css/report.css",
        "https://example.com/logo.png",
        "file:///etc/passwd",
        "data:text/css,body{}",
        "ftp://example.com/x",
    ],
)
def test_fetcher_refuses_network_and_other_files(url):
    with pytest.raises(ValueError, match="refused"):
        pdf.LocalFileFetcher().fetch(url)


def test_fetcher_refuses_path_tricks(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (tmp_path / "media" / "link.css").symlink_to(tmp_path / "secret.txt")
    fetcher = pdf.LocalFileFetcher()
    for url in [f"file://{tmp_path}/media/../secret.txt", (tmp_path / "media" / "link.css").as_uri()]:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_pdf_render_does_not_fetch_remote_images():
    html = '<html><body><p>x</p><img src="http://127.0.0.1:9/x.png"><img src="file:///etc/hostname"></body></html>'
    fetched = []

    class Recording(pdf.LocalFileFetcher):
        def fetch(self, url, headers=None):
            fetched.append(url)
            return super().fetch(url, headers)

    from weasyprint import HTML

    HTML(string=html, url_fetcher=Recording()).write_pdf()
    assert fetched  # WeasyPrint asked, and the fetcher refused both (no exception escaped)


# --- garbage collector around the render ------------------------------------------------------


def test_render_pauses_the_collector_and_turns_it_back_on(monkeypatch):
    import gc

    seen = []
    real_render = pdf.HTML.render
    monkeypatch.setattr(pdf.HTML, "render", lambda self, **kw: seen.append(gc.isenabled()) or real_render(self, **kw))
    assert gc.isenabled()
    data, pages = pdf.html_to_pdf("<p>x</p>")
    assert data.startswith(b"%PDF") and pages == 1
    assert seen == [False] and gc.isenabled()


def test_collector_left_off_when_it_was_off_and_back_on_after_an_error():
    import gc

    gc.disable()
    try:
        with pdf.collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(RuntimeError), pdf.collector_paused():
        raise RuntimeError("render failed")
    assert gc.isenabled()


def test_a_render_leaves_nothing_uncollected_at_the_next_render():
    import gc
    import weakref

    from weasyprint import HTML

    pdf.html_to_pdf("<p>first</p>")
    # A reference cycle left behind, as a render leaves its boxes: only the collector can free it.
    left: list[object] = [HTML(string="<p>x</p>")]
    left.append(left)
    gone = weakref.ref(left[0])
    del left
    gc.disable()  # no ordinary collection in between: the next render's own pass must free it
    try:
        pdf.html_to_pdf("<p>second</p>")
    finally:
        gc.enable()
    assert gone() is None


# --- render_report command --------------------------------------------------------------------


def test_render_report_command_writes_pdf_and_html(tmp_path):
    assessment = make_assessment()
    out, html = tmp_path / "r.pdf", tmp_path / "r.html"
    stdout = io.StringIO()
    call_command(
        "render_report", str(assessment.pk), "--lang", "en", "--out", str(out), "--html", str(html), stdout=stdout
    )
    assert out.read_bytes().startswith(b"%PDF")
    assert COMPANY_NAME in html.read_text()
    assert "pages" in stdout.getvalue()


def test_render_report_freezes_the_heap_before_exit_only_on_the_command_line(tmp_path, monkeypatch):
    import gc

    from assessment.management.commands.render_report import Command

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    assessment = make_assessment()
    args = ["render_report", str(assessment.pk), "--lang", "en", "--out", str(tmp_path / "r.pdf")]
    call_command(*args, stdout=io.StringIO())
    assert not frozen  # call_command: the process goes on (tests, the worker)
    Command(stdout=io.StringIO()).run_from_argv(["manage.py", *args])
    assert frozen == [True]  # manage.py: the process exits next


def test_render_report_command_rejects_unknown_assessment(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no assessment 999999"):
        call_command("render_report", "999999", "--lang", "en", "--out", str(tmp_path / "x.pdf"))


def test_static_roots_include_staticfiles_dirs():
    roots = pdf.allowed_roots()
    assert (settings.BASE_DIR / "static").resolve() in roots


# --- System checks ----------------------------------------------------------------------------


def test_checks_pass_with_noto_cjk_and_harfbuzz_subset_installed():
    from assessment import checks

    assert checks.check_cjk_font() == [] and checks.check_harfbuzz_subset() == []


def test_checks_warn_without_cjk_font_or_harfbuzz_subset(monkeypatch):
    from assessment import checks

    monkeypatch.setattr(checks, "cjk_font_family", lambda: "DejaVu Sans")
    monkeypatch.setattr(checks.ctypes.util, "find_library", lambda name: None)
    assert [w.id for w in checks.check_cjk_font()] == ["assessment.W001"]
    assert [w.id for w in checks.check_harfbuzz_subset()] == ["assessment.W002"]
