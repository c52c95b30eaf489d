import numpy as np
import pandas as pd
import pytest
from scipy.stats.mstats import trimmed_var
from sklearn.cluster import KMeans
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from custseg.selection import TrimmedVarianceSelector, rank_features, variance_scores


def test_hand_checked_trim():
    # 10 values; 10% trim drops one from each end: variance of 2..9 around 5.5 is 5.25.
    values = np.arange(1.0, 11.0)[:, None]
    assert variance_scores(values, trim=0.1)[0] == pytest.approx(5.25)
    assert variance_scores(values, trim=0.0)[0] == pytest.approx(np.var(values, ddof=1))


@pytest.mark.parametrize("n", [7, 50, 333])
@pytest.mark.parametrize("trim", [0.05, 0.1, 0.25])
def test_matches_scipy_trimmed_var(n, trim):
    X = np.random.default_rng(n).lognormal(size=(n, 4))
    expected = [trimmed_var(X[:, j], limits=(trim, trim)) for j in range(4)]
    np.testing.assert_allclose(variance_scores(X, trim=trim), expected, rtol=1e-12)


def test_untrimmed_matches_pandas_and_ignores_nan():
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [1.0, np.inf, 3.0, 8.0]})
    scores = variance_scores(frame.to_numpy(), trim=0.0)
    np.testing.assert_allclose(scores, [frame["a"].var(), pd.Series([1.0, 3.0, 8.0]).var()])


def test_weights_equal_duplicated_rows_untrimmed():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 3))
    weights = rng.integers(1, 4, size=30)
    duplicated = np.repeat(X, weights, axis=0)
    np.testing.assert_allclose(
        variance_scores(X, trim=0.0, sample_weight=weights), duplicated.var(axis=0, ddof=0)
    )


def test_equal_weights_trim_like_unweighted():
    X = np.random.default_rng(2).normal(size=(100, 2))
    np.testing.assert_allclose(
        variance_scores(X, trim=0.1, sample_weight=np.full(100, 3.0)),
        variance_scores(X, trim=0.1),
        rtol=1e-12,
    )


def test_selector_in_pipeline_keeps_highest_variance_columns():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(
        {
            "small": rng.normal(0, 1, 200),
            "big": rng.normal(0, 100, 200),
            "medium": rng.normal(0, 10, 200),
        }
    )
    pipeline = make_pipeline(
        TrimmedVarianceSelector(n_features=2),
        StandardScaler(),
        KMeans(n_clusters=2, n_init=1, random_state=0),
    ).fit(X)
    selector = pipeline[0]
    assert list(selector.get_feature_names_out()) == ["big", "medium"]
    assert list(X.columns[selector.ranking_]) == ["big", "medium", "small"]
    assert pipeline.predict(X).shape == (200,)


def test_selector_rejects_too_many_features():
    with pytest.raises(ValueError, match="n_features"):
        TrimmedVarianceSelector(n_features=3).fit(np.ones((5, 2)))


def test_rank_features_drops_constant_columns():
    frame = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": 5.0, "c": [0.0, 10, 20, 30]})
    scores = rank_features(frame, ["a", "b", "c"], trim=0.0)
    assert list(scores.index) == ["c", "a"]


@parametrize_with_checks([TrimmedVarianceSelector(n_features=1)])
def test_sklearn_compatible(estimator, check):
    check(estimator)
