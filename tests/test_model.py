import numpy as np
import pytest

from custseg import SegmentModel, io, segment
from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.model import MODEL_FILENAME, TRUSTED_TYPES


@pytest.fixture
def fitted(blobs):
    return segment(
        from_frame(blobs, name="t", id_columns=("customer",)),
        k=3,
        k_range=(2, 3),
        transform="asinh",
    )


def test_round_trip_scores_training_rows_identically(fitted, blobs, tmp_path):
    fitted.model.save(tmp_path / MODEL_FILENAME)
    loaded = SegmentModel.load(tmp_path)
    np.testing.assert_array_equal(loaded.predict(blobs), fitted.segments)
    np.testing.assert_allclose(
        loaded.project(loaded.transform(blobs)), fitted.pca[["pc1", "pc2"]].to_numpy()
    )
    assert loaded.features == fitted.features and loaded.k == 3
    assert loaded.metadata["transform"] == "asinh"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda frame: frame.drop(columns="visits"), "lacks the model's columns: visits"),
        (lambda frame: frame.assign(spend="high"), "not numeric"),
    ],
)
def test_bad_scoring_input(fitted, blobs, change, message):
    with pytest.raises(CustsegError, match=message):
        fitted.model.predict(change(blobs))


def test_other_format_version_is_refused(fitted, tmp_path, monkeypatch):
    import custseg.model

    monkeypatch.setattr(custseg.model, "MODEL_FORMAT_VERSION", 99)
    fitted.model.save(tmp_path / MODEL_FILENAME)
    monkeypatch.undo()
    with pytest.raises(CustsegError, match="model format 99"):
        SegmentModel.load(tmp_path / MODEL_FILENAME)


def test_scoring_imputes_and_flags(fitted, blobs):
    new = blobs.head(3).assign(spend=[np.nan, 1000.0, blobs["spend"][2]])
    scored = fitted.model.score(new)
    assert list(scored.columns) == ["segment", "distance", "margin", "out_of_range", "imputed"]
    assert list(scored["imputed"]) == [1, 0, 0]
    assert list(scored["out_of_range"]) == [False, True, False]
    assert (scored["margin"] > 0).all()


def test_scoring_training_rows_reproduces_assignments(fitted, blobs):
    scored = fitted.model.score(blobs)
    np.testing.assert_array_equal(scored["segment"], fitted.segments)
    assert scored["out_of_range"].sum() <= 1  # at most the 0.1% farthest training rows


def _mutations():
    """Damaged artifacts built only from trusted types: the keys, types or shapes are wrong."""

    def drop(key):
        return lambda artifact: artifact.pop(key)

    def put(key, value):
        return lambda artifact: artifact.__setitem__(key, value)

    def put_meta(key, value):
        return lambda artifact: artifact["metadata"].__setitem__(key, value)

    def centres(value):
        return lambda artifact: setattr(artifact["pipeline"][-1], "cluster_centers_", value)

    return {
        "no pipeline": drop("pipeline"),
        "no features": drop("features"),
        "no metadata": drop("metadata"),
        "pipeline is a list": put("pipeline", [1, 2]),
        "features are a number": put("features", 7),
        "features are a string": put("features", "spend"),
        "features repeat": put("features", ["spend", "spend"]),
        "features are numbers": put("features", [1, 2]),
        "metadata is a list": put("metadata", ["a"]),
        "source is a number": put_meta("source", 3),
        "no source": lambda artifact: artifact["metadata"].pop("source"),
        "numeric features unknown": put_meta("numeric_features", ["height"]),
        "segment names a list": put_meta("segment_names", ["a"]),
        "cutoff is text": put_meta("distance_cutoff", "far"),
        "projection is text": put("projection_mean", "abc"),
        "projection wrong width": put("projection_mean", np.zeros(5)),
        "projection to 3-D": put("projection_components", np.zeros((3, 2))),
        "centres of wrong shape": centres(np.zeros(3)),
        "centres not finite": centres(np.full((3, 2), np.nan)),
    }


@pytest.mark.parametrize("mutation", list(_mutations()))
def test_damaged_models_of_trusted_types_are_refused(fitted, blobs, tmp_path, mutation):
    path = tmp_path / MODEL_FILENAME
    fitted.model.save(path)
    artifact = io.load_model(path, trusted=TRUSTED_TYPES)
    _mutations()[mutation](artifact)
    io.save_model(path, artifact, trusted=TRUSTED_TYPES)
    with pytest.raises(CustsegError, match="damaged custseg model"):
        SegmentModel.load(tmp_path)


def test_a_model_whose_preprocessing_is_damaged_fails_with_a_message(fitted, blobs):
    del fitted.model.pipeline[0][-1].scale_
    with pytest.raises(CustsegError, match="the model is damaged"):
        fitted.model.score(blobs)


def test_scoring_takes_the_tables_a_python_user_has(fitted, blobs):
    rows = blobs.iloc[[0, 45, 80]]
    expected = fitted.model.predict(rows)
    np.testing.assert_array_equal(fitted.model.predict(rows.to_dict("records")), expected)
    scored = fitted.model.score(rows.to_dict("list"))
    np.testing.assert_array_equal(scored["segment"], expected)
    with pytest.raises(CustsegError, match="a table of customers with the columns spend, visits"):
        fitted.model.predict(None)


def test_missing_columns_are_named_with_what_the_model_reads(fitted):
    with pytest.raises(CustsegError) as caught:
        fitted.model.predict({"spend": [1.0]})
    assert caught.value.message == "The input lacks the model's columns: visits."
    assert "The model reads spend, visits" in caught.value.hint


def test_segment_names_by_number(fitted):
    assert fitted.model.segment_names == {p.segment: p.name for p in fitted.personas}


def test_loading_a_folder_without_a_model_says_so(tmp_path):
    with pytest.raises(CustsegError, match="is not a run folder: it has no model.custseg"):
        SegmentModel.load(tmp_path)
