"""The benchmark scorers on hand-built inputs (no data sets needed)."""

from __future__ import annotations

import pytest

from benchmarks.common import (
    bag_prf,
    char_spans_to_tokens,
    iob_spans,
    ngrams,
    prf_from_counts,
    span_prf,
    tokenize,
)
from benchmarks.extraction.render import render_text
from benchmarks.ner.bench import join_tokens, split_documents, Sentence


def test_tokenize_lowercases_word_runs() -> None:
    assert tokenize("The U.S. said: 'No!' — 2020") == ["the", "u", "s", "said", "no", "2020"]
    assert tokenize(None) == []


def test_bag_prf_counts_multisets() -> None:
    # pred: the x3, cat; gold: the x1, cat, sat  -> tp = 1 (the) + 1 (cat)
    s = bag_prf("the the the cat", "The cat sat")
    assert s.tp == 2 and s.n_pred == 4 and s.n_gold == 3
    assert s.precision == pytest.approx(0.5)
    assert s.recall == pytest.approx(2 / 3)
    assert s.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_bag_prf_edge_cases() -> None:
    assert bag_prf("", "").f1 == 1.0
    empty = bag_prf("", "some gold text")
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    junk = bag_prf("menu login", "the story")
    assert junk.f1 == 0.0
    assert bag_prf("Same words here", "same, words... HERE").f1 == 1.0


def test_bag_prf_shingles_see_word_order() -> None:
    assert bag_prf("a b c d e", "e d c b a").f1 == 1.0
    assert bag_prf("a b c d e", "e d c b a", n=4).f1 == 0.0
    assert ngrams(["a", "b"], 4) == [("a", "b")]
    assert len(ngrams(list("abcdef"), 4)) == 3


def test_prf_from_counts() -> None:
    s = prf_from_counts(3, 4, 6)
    assert (s.precision, s.recall) == (0.75, 0.5)
    assert s.f1 == pytest.approx(0.6)


def test_iob_spans_iob2_and_iob1() -> None:
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG", "I-ORG", "O", "I-MISC"]
    assert iob_spans(tags) == {(0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 7, "ORG"), (8, 9, "MISC")}
    assert iob_spans(["O", "O"]) == set()
    assert iob_spans(["I-LOC", "I-PER"]) == {(0, 1, "LOC"), (1, 2, "PER")}


def test_span_prf_exact_match_per_type_and_micro() -> None:
    gold = [{(0, 2, "PER"), (3, 4, "LOC")}, {(0, 1, "ORG")}]
    pred = [{(0, 2, "PER"), (3, 5, "LOC")}, {(0, 1, "LOC")}]  # one right, one bad boundary, one bad type
    scores = span_prf(gold, pred, ("PER", "ORG", "LOC"))
    assert scores["PER"].f1 == 1.0
    assert scores["LOC"].tp == 0 and scores["LOC"].n_pred == 2 and scores["LOC"].n_gold == 1
    assert scores["ORG"].recall == 0.0
    assert scores["micro"].precision == pytest.approx(1 / 3)
    assert scores["micro"].recall == pytest.approx(1 / 3)
    # types outside the list are ignored
    assert span_prf([{(0, 1, "MISC")}], [set()], ("PER",))["micro"].n_gold == 0


def test_char_spans_map_to_overlapping_tokens() -> None:
    text, offsets = join_tokens(["Mr", "Ali", "Mamlouk", "visited", "Moscow", "."])
    assert text == "Mr Ali Mamlouk visited Moscow."
    assert char_spans_to_tokens(offsets, [(3, 14, "PER"), (23, 29, "LOC")]) == {(1, 3, "PER"), (4, 5, "LOC")}
    # a span cutting a token in half still takes the whole token; a span over spaces only is dropped
    assert char_spans_to_tokens(offsets, [(4, 9, "PER"), (2, 3, "X")]) == {(1, 3, "PER")}


def test_split_documents_starts_at_headline_before_dateline() -> None:
    sents = [Sentence(t.split(), ["O"] * len(t.split())) for t in (
        "SOCCER - A WIN .", "LONDON 1996-08-30", "Text one .", "CRICKET - B .", "PARIS 1996-08-31", "Two .")]
    assert split_documents(sents) == [[0, 1, 2], [3, 4, 5]]


def test_render_text_keeps_junk_drops_code() -> None:
    page = (
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<nav><a>Home</a> <a>World</a></nav><h1>Big  news</h1>"
        "<p>First <b>para</b>.</p><script>var x;</script><div>Second<br>line</div>"
        "<footer>© 2020 Site</footer></body></html>"
    )
    assert render_text(page) == "Home World\nBig news\nFirst para.\nSecond\nline\n© 2020 Site"
    assert render_text("") == ""


def test_decode_html_utf8_then_declared_charset() -> None:
    from benchmarks.common import decode_html

    assert decode_html("<p>Café</p>".encode("utf-8")) == "<p>Café</p>"
    page = '<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251")
    assert "Привет" in decode_html(page)
    assert decode_html(b"\xef\xbb\xbf<p>x</p>") == "<p>x</p>"
