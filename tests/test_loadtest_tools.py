"""The load test's own counting (loadtest/counting.py) and client helpers: no database, no server."""

import pytest

from loadtest.client import check_loopback, hidden
from loadtest.counting import Sample, Send, error_window, lost_answers, percentile, summarise, timeline

KEY = (7, "F01")


def send(seq: int, digest: str, acked: bool, key: tuple[int, str] = KEY) -> Send:
    return Send(key=key, seq=seq, digest=digest, acked=acked)


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 100) == 100
    assert percentile([3.0], 95) == 3.0
    assert percentile([], 50) is None
    assert percentile([10, 1, 5], 50) == 5  # sorted first


def test_summarise_counts_errors_and_times_only_successes():
    samples = [
        Sample("autosave", 0.1, 100, 200, True),
        Sample("autosave", 0.2, 300, 200, True),
        Sample("autosave", 0.3, 5000, 500, False),
        Sample("page", 1.5, 50, 200, True),
    ]
    stats = summarise(samples, duration=2.0)
    assert stats["autosave"]["requests"] == 3
    assert stats["autosave"]["errors"] == 1
    assert stats["autosave"]["error_rate"] == pytest.approx(1 / 3)
    assert stats["autosave"]["p95_ms"] == 300  # the failed 5 s request is not a latency sample
    assert stats["all"]["requests"] == 4
    assert stats["all"]["per_second"] == 2.0
    assert stats["page"]["p50_ms"] == 50


def test_timeline_and_error_window():
    samples = [Sample("page", 0.5, 1, 200, True), Sample("page", 1.2, 1, 0, False), Sample("page", 3.9, 1, 500, False)]
    assert timeline(samples, 2.0) == [(0, 1, 1), (1, 0, 1)]
    assert error_window(samples) == (1.2, 3.9)
    assert error_window(samples[:1]) is None


def test_confirmed_answer_in_database_is_not_lost():
    report = lost_answers([send(1, "a", True), send(2, "b", True)], {KEY: "b"})
    assert report.lost == []
    assert report.acked_saves == 2
    assert report.answers_checked == 1


def test_older_value_in_database_is_lost():
    report = lost_answers([send(1, "a", True), send(2, "b", True)], {KEY: "a"})
    assert [key for key, _why in report.lost] == [KEY]


def test_missing_row_is_lost():
    report = lost_answers([send(1, "a", True)], {})
    assert len(report.lost) == 1
    assert "no row" in report.lost[0][1]


def test_later_unconfirmed_save_may_replace_the_confirmed_one():
    # seq 3 got no answer (database outage) but was committed: allowed, counted as superseded.
    sends = [send(2, "b", True), send(3, "c", False)]
    report = lost_answers(sends, {KEY: "c"})
    assert report.lost == []
    assert report.superseded == 1


def test_unconfirmed_save_does_not_excuse_a_wrong_value():
    # The database holds a value nobody sent after the confirmed one: lost.
    sends = [send(2, "b", True), send(3, "c", False)]
    assert len(lost_answers(sends, {KEY: "x"}).lost) == 1
    # An *earlier* save's value coming back is lost too.
    sends = [send(1, "a", False), send(2, "b", True)]
    assert len(lost_answers(sends, {KEY: "a"}).lost) == 1


def test_keys_without_a_confirmed_save_are_not_checked():
    report = lost_answers([send(1, "a", False), send(1, "z", True, key=(8, "F02"))], {(8, "F02"): "z"})
    assert report.answers_checked == 1
    assert report.lost == []


def test_hidden_field_value_is_read_and_unescaped():
    html = '<input type="hidden" form="page-form" name="F01-version" value="3"><input name="F01-base" value="a&amp;b">'
    assert hidden(html, "F01-version") == "3"
    assert hidden(html, "F01-base") == "a&b"
    assert hidden(html, "F1-version") is None


def test_client_refuses_anything_but_loopback():
    assert check_loopback("http://127.0.0.1:18001/") == "http://127.0.0.1:18001"
    for bad in ("http://example.com:80", "https://127.0.0.1:8000", "http://10.0.0.1:8000"):
        with pytest.raises(SystemExit):
            check_loopback(bad)
