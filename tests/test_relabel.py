"""Planning an edit of segments, and a model that predicts merged segments."""

import numpy as np
import pytest

from custseg import drift
from custseg.errors import CustsegError
from custseg.model import SegmentModel
from custseg.relabel import (
    MAX_NAME_LENGTH,
    parse_merges,
    parse_renames,
    plan_edit,
    slug,
)
from custseg.segmentation import segment

NAMES = {1: "One", 2: "Two", 3: "Three", 4: "Four"}


def _plan(sizes=(0.3, 0.25, 0.25, 0.2), names=(), merges=()):
    k = len(sizes)
    return plan_edit(sizes, NAMES, renames=parse_renames(names, k), merges=parse_merges(merges, k))


def test_merge_renumbers_by_size_and_keeps_untouched_names():
    edit = _plan(merges=["3,4"])
    # 3+4 (0.45) becomes the largest segment, then old 1 (0.3), then old 2 (0.25).
    assert edit.new_segment.tolist() == [2, 3, 1, 1]
    assert edit.names == {1: None, 2: "One", 3: "Two"}
    assert edit.apply(np.array([1, 2, 3, 4, 4])).tolist() == [2, 3, 1, 1, 1]
    assert edit.k_before == 4 and edit.k_after == 3
    record = edit.record()
    assert (
        record["description"] == "Edited: merged segments 3 and 4 into segment 1 (4 segments to 3)."
    )
    assert record["merged"] == [[3, 4]] and record["renumbered"] == {"1": 2, "2": 3, "3": 1, "4": 1}


def test_rename_and_named_merge():
    edit = _plan(names=["2= Debt-laden founders ", "4=Quiet ones"], merges=["4,3"])
    assert edit.names == {1: "Quiet ones", 2: "One", 3: "Debt-laden founders"}
    assert edit.renamed == {2: "Debt-laden founders", 4: "Quiet ones"}


def test_rename_only_keeps_numbers():
    edit = _plan(names=["1=First"])
    assert edit.new_segment.tolist() == [1, 2, 3, 4]
    assert edit.names[1] == "First" and edit.names[4] == "Four"


@pytest.mark.parametrize(
    ("names", "merges", "message"),
    [
        ([], [], "Nothing to change"),
        (["7=Seven"], [], "no segment 7"),
        (["two=Two"], [], "by their number"),
        (["2"], [], "SEGMENT=NAME"),
        (["2=  "], [], "cannot be empty"),
        ([f"2={'x' * (MAX_NAME_LENGTH + 1)}"], [], "the limit is"),
        (["2=Bad\x07name"], [], "control characters"),
        (["2=A", "2=B"], [], "two names"),
        (["1=Two"], [], "both be called"),
        ([], ["4"], "names one segment"),
        ([], ["4,4"], "names one segment"),
        ([], ["0,1"], "no segment 0"),
        ([], ["1,2", "2,3"], "two merge groups"),
        ([], ["1,2", "3,4"], None),
        ([], ["1,2,3,4"], "single segment"),
        (["3=A", "4=B"], ["3,4"], "2 names"),
    ],
)
def test_bad_edits_are_refused(names, merges, message):
    if message is None:
        assert _plan(names=names, merges=merges).k_after == 2
        return
    with pytest.raises(CustsegError, match=message):
        _plan(names=names, merges=merges)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Debt-laden founders", "debt-laden-founders"),
        ("Café & crème (k$)", "cafe-creme-k"),
        ("!!!", "segment"),
        ("x" * 80, "x" * 40),
    ],
)
def test_slug(name, expected):
    assert slug(name) == expected


@pytest.fixture(scope="module")
def blob_model():
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [30.0, 30.0]])
    points = np.vstack([rng.normal(c, 0.5, size=(25, 2)) for c in centres])
    import pandas as pd

    from custseg.dataset import from_frame

    frame = pd.DataFrame({"id": np.arange(100), "a": points[:, 0], "b": points[:, 1]})
    result = segment(
        from_frame(frame, name="blobs", id_columns=("id",)),
        features=("a", "b"),
        k=4,
        bootstrap=0,
        transform="none",
    )
    return result, frame


def test_model_with_a_segment_map_predicts_merged_segments(blob_model, tmp_path):
    result, frame = blob_model
    model = result.model
    before = model.score(frame)
    assert before["segment"].tolist() == result.segments.tolist()
    # Merge the segments around (0, 0) and (10, 0), the two nearest centres.
    first, second = sorted({result.segments[0], result.segments[25]})
    others = [s for s in range(1, 5) if s not in (first, second)]
    new_number = {first: 1, second: 1, others[0]: 2, others[1]: 3}
    mapping = [new_number[s] for s in range(1, 5)]
    reference = model.metadata["drift_reference"]
    model.metadata["segment_map"] = mapping
    model.metadata["drift_reference"] = drift.merged_reference(reference, mapping)
    try:
        model.save(tmp_path / "model.custseg")
    finally:
        del model.metadata["segment_map"]
        model.metadata["drift_reference"] = reference
    merged = SegmentModel.load(tmp_path / "model.custseg")
    assert merged.k == 3
    after = merged.score(frame)
    assert after["segment"].tolist() == [mapping[s - 1] for s in result.segments]
    assert merged.predict(frame).tolist() == after["segment"].tolist()
    np.testing.assert_allclose(after["distance"], before["distance"])
    # Rows of a merged segment are no longer borderline between its two halves.
    in_merged = after["segment"] == 1
    assert (after.loc[in_merged, "margin"] >= before.loc[in_merged, "margin"] - 1e-12).all()
    assert (after.loc[in_merged, "margin"] > before.loc[in_merged, "margin"] + 0.1).any()
    np.testing.assert_allclose(after.loc[~in_merged, "margin"], before.loc[~in_merged, "margin"])


def test_models_without_a_map_load_and_damaged_maps_are_refused(blob_model, tmp_path):
    result, _ = blob_model
    model = result.model
    model.save(tmp_path / "plain.custseg")
    assert SegmentModel.load(tmp_path / "plain.custseg").k == 4
    model.metadata["segment_map"] = [1, 3, 3, 3]  # skips segment 2
    try:
        model.save(tmp_path / "broken.custseg")
    finally:
        del model.metadata["segment_map"]
    with pytest.raises(CustsegError, match="damaged custseg model: its segment map"):
        SegmentModel.load(tmp_path / "broken.custseg")
    reference = model.metadata["drift_reference"]
    model.metadata["drift_reference"] = {**reference, "segment_shares": [1.0]}
    try:
        model.save(tmp_path / "bad_reference.custseg")
    finally:
        model.metadata["drift_reference"] = reference
    with pytest.raises(CustsegError, match="its drift reference does not match"):
        SegmentModel.load(tmp_path / "bad_reference.custseg")
