"""Metrics on known values, and the published reference numbers the lessons reproduce."""

import numpy as np
import pytest

from embedding_course import data, metrics, models


def test_correlations_on_known_values():
    assert metrics.correlations([1, 2, 3, 4], [2, 4, 6, 8]) == {"pearson": 1.0, "spearman": 1.0}
    assert metrics.correlations([1, 2, 3, 4], [4, 3, 2, 1])["spearman"] == -1.0
    # a monotone but non-linear relation: Spearman 1, Pearson below 1
    result = metrics.correlations([1, 2, 3, 4, 5], [1, 4, 9, 16, 100])
    assert result["spearman"] == 1.0 and result["pearson"] < 0.9


@pytest.mark.parametrize("bad", [([1, 2], [1, 2]), ([1, 2, 3], [1, 2]), ([1, np.nan, 3], [1, 2, 3])])
def test_correlations_reject_bad_input(bad):
    with pytest.raises(ValueError):
        metrics.correlations(*bad)


def test_retrieval_metrics():
    ranked = [["a", "b", "c"], ["b", "c", "a"], ["c", "b", "x"]]
    relevant = ["a", "a", "a"]
    assert metrics.recall_at_k(ranked, relevant, k=1) == pytest.approx(1 / 3)
    assert metrics.recall_at_k(ranked, relevant, k=3) == pytest.approx(2 / 3)
    assert metrics.mrr(ranked, relevant, k=3) == pytest.approx((1 + 1 / 3 + 0) / 3)
    with pytest.raises(ValueError):
        metrics.mrr([], [], k=3)


def test_paired_cosine():
    a = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    b = np.array([[2.0, 0.0], [-1.0, -1.0], [1.0, 0.0]])
    np.testing.assert_allclose(metrics.paired_cosine(a, b), [1.0, -1.0, 0.0])


@pytest.mark.slow
def test_minilm_on_lee_reproduces_the_measured_reference(minilm):
    """stack-notes measured Pearson 0.656 / Spearman 0.508 for all-MiniLM-L6-v2 on the Lee ratings."""
    result = metrics.lee_correlation(models.embed(data.lee_documents(), minilm))
    assert result["pearson"] == pytest.approx(0.656, abs=0.005)
    assert result["spearman"] == pytest.approx(0.508, abs=0.005)


@pytest.mark.slow
def test_minilm_reproduces_its_published_stsb_score(minilm, stsb_required):
    """MTEB reports 82.03 Spearman x 100 for all-MiniLM-L6-v2 on the STS-B test split."""
    test = data.stsb("test")
    a = models.embed(test["sentence1"].tolist(), minilm, batch_size=64)
    b = models.embed(test["sentence2"].tolist(), minilm, batch_size=64)
    spearman = metrics.correlations(metrics.paired_cosine(a, b), test["score"])["spearman"]
    assert spearman * 100 == pytest.approx(82.03, abs=0.15)


def test_lee_correlation_needs_50_vectors():
    with pytest.raises(ValueError, match="50"):
        metrics.lee_correlation(np.zeros((10, 3)))


def test_bootstrap_interval_covers_the_truth_and_shrinks_with_more_queries():
    rng = np.random.default_rng(0)
    small = metrics.bootstrap_interval(rng.binomial(1, 0.3, 50))
    large = metrics.bootstrap_interval(rng.binomial(1, 0.3, 2000))
    for mean, low, high in (small, large):
        assert low <= mean <= high and low < 0.3 < high
    assert large[2] - large[1] < (small[2] - small[1]) / 3  # 40x the queries: about a sixth of the width
    assert metrics.bootstrap_interval([0.0, 1.0] * 20, seed=1) == metrics.bootstrap_interval([0.0, 1.0] * 20, seed=1)


def test_a_paired_gain_is_only_called_a_gain_when_the_interval_excludes_zero():
    # 10 queries fixed, 8 broken, 82 unchanged: a +0.02 gain that luck explains
    noisy = [1] * 10 + [-1] * 8 + [0] * 82
    assert metrics.bootstrap_interval(noisy)[1] < 0 < metrics.bootstrap_interval(noisy)[2]
    clear = [1] * 20 + [-1] * 2 + [0] * 78
    assert metrics.bootstrap_interval(clear)[1] > 0
