import numpy as np
import pandas as pd
import pytest

from custseg import SegmentationConfig, segment
from custseg.dataset import from_frame
from custseg.model import SegmentModel
from custseg.preprocess import choose_transform
from custseg.transforms import ScaledAsinh, typical_magnitude


def test_typical_magnitude_is_the_weighted_median_of_non_zero_amounts():
    values = np.array([0.0, 0.0, -100.0, 200.0, 1_000.0])
    assert typical_magnitude(values) == 200.0
    assert typical_magnitude(values, np.array([1, 1, 1, 1, 10.0])) == 1_000.0
    assert typical_magnitude(np.zeros(4)) == 1.0


def test_zero_sits_next_to_small_amounts_and_signs_are_kept():
    X = np.array([[0.0], [1_000.0], [1_000.0], [-1_000.0], [1_000_000.0]])
    Z = ScaledAsinh().fit(X).transform(X)[:, 0]
    assert Z[0] == 0.0 and Z[1] == pytest.approx(np.arcsinh(1.0)) and Z[3] == -Z[1]
    # raw asinh: $0 -> $1k is as far as $1k -> $1M; here the step from $0 is 7x shorter
    raw = np.arcsinh(X[:, 0])
    assert (raw[1] - raw[0]) / (raw[4] - raw[1]) > 1
    assert (Z[1] - Z[0]) / (Z[4] - Z[1]) < 0.15
    np.testing.assert_allclose(ScaledAsinh().fit(X).inverse_transform(Z[:, None]), X)


def test_only_chosen_columns_are_transformed():
    X = np.array([[30.0, 0.0], [40.0, 500.0], [50.0, 5_000.0]])
    fitted = ScaledAsinh(columns=(1,)).fit(X)
    out = fitted.transform(X)
    np.testing.assert_array_equal(out[:, 0], X[:, 0])
    assert list(fitted.transformed_) == [False, True] and fitted.scale_[1] == 2_750.0


def test_auto_transforms_money_and_skewed_columns_only():
    rng = np.random.default_rng(0)
    values = pd.DataFrame(
        {
            "age": rng.uniform(20, 80, 500),
            "spend": rng.lognormal(5, 1.5, 500),
            "savings": rng.normal(0, 1, 500),
        }
    )
    name, reason, columns = choose_transform(values, "auto", money_columns={"savings"})
    assert name == "scaled-asinh" and columns == ["spend", "savings"]
    assert "savings (money)" in reason and "spend (skewness" in reason
    labelled = choose_transform(
        values, "auto", money_columns={"savings"}, label={"savings": "Savings"}.get
    )[1]
    assert "Savings (savings; money)" in labelled and "spend (skewness" in labelled
    assert choose_transform(values[["age"]], "auto") == (
        "none",
        "no feature is money or strongly skewed",
        [],
    )


def test_saved_model_reproduces_training_assignments(tmp_path):
    rng = np.random.default_rng(1)
    n = 300
    frame = pd.DataFrame(
        {
            "customer": np.arange(n),
            "age": rng.uniform(20, 80, n),
            "spend": np.where(rng.random(n) < 0.3, 0.0, rng.lognormal(6, 2, n)),
            "balance": rng.lognormal(8, 2, n) * rng.choice([-1, 1], n),
        }
    )
    result = segment(
        from_frame(frame, name="t.csv", id_columns=("customer",)),
        SegmentationConfig(k=3, k_range=(2, 4), bootstrap=0, n_init=2),
    )
    assert result.prepared.transform == "scaled-asinh"
    result.model.save(tmp_path / "model.custseg")
    loaded = SegmentModel.load(tmp_path / "model.custseg")
    np.testing.assert_array_equal(loaded.predict(frame), result.segments)
