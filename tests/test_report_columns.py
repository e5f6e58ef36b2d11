"""Column widths of the report's assumptions table, worked out from its text (assessment.columns): shared out
as the automatic table layout shares them, so that the table can be laid out with fixed widths."""

import pytest

from assessment import columns


def test_text_width_counts_chinese_characters_as_one_em_and_ignores_tags():
    assert columns.text_em("能源") == 2.0
    assert columns.text_em('<span class="code">F01</span>') == columns.text_em("F01")
    assert columns.text_em("a&amp;b") == columns.text_em("a&b")
    assert 0 < columns.text_em("ill") < columns.text_em("mmm")


def test_a_cell_breaks_between_chinese_characters_and_at_spaces_but_not_inside_a_no_wrap_span():
    narrowest, widest = columns.cell_em("能源消耗强度")
    assert (narrowest, widest) == (1.0, 6.0)
    narrowest, widest = columns.cell_em("demo figures: provincial")
    assert narrowest == columns.text_em("provincial") and widest == columns.text_em("demo figures: provincial")
    values = '<span class="nobr">0.0800\xa0tce/t 水泥</span> / <span class="nobr">0.0870\xa0tce/t</span>'
    assert columns.cell_em(values)[0] == columns.text_em("0.0800\xa0tce/t 水泥")
    # A line break ends a line: the widest line is the longer one.
    assert columns.cell_em("abc<br>abcdef")[1] == columns.text_em("abcdef")


def test_narrow_content_gets_the_spare_width_in_proportion():
    assert columns.percentages([["aa", "a"]], width_em=100, padding_em=0) == [66.7, 33.3]


def test_wide_content_gets_its_narrowest_width_and_a_share_of_the_rest():
    rows = [["能源" * 20, "能"], ["能", "能" * 10]]
    low, high = [1.0, 1.0], [40.0, 10.0]
    ratio = (20 - sum(low)) / (sum(high) - sum(low))
    expected = [round(100 * (lo + (hi - lo) * ratio) / 20, 1) for lo, hi in zip(low, high, strict=True)]
    assert columns.percentages(rows, width_em=20, padding_em=0) == expected
    assert sum(expected) == pytest.approx(100, abs=0.1)


def test_columns_too_narrow_for_their_words_keep_their_narrowest_width():
    long, short = columns.text_em("abcdefgh"), columns.text_em("abcd")
    expected = [round(100 * long / (long + short), 1), round(100 * short / (long + short), 1)]
    assert columns.percentages([["abcdefgh", "abcd"]], width_em=1, padding_em=0) == expected
