"""The model file format: values survive it exactly; hostile or damaged files are refused with
one message before any object is built; models saved by skops (older runs) still load."""

import importlib
import json
import zipfile

import numpy as np
import pandas as pd
import pytest
from skops_models import as_skops_run

from custseg import SegmentModel, io, model_file, segment
from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.model import LEGACY_MODEL_FILENAME, MODEL_FILENAME, TRUSTED_TYPES


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(3)
    points = np.vstack([rng.normal(c, 0.4, size=(30, 2)) for c in ([0, 0], [5, 5], [0, 5])])
    kind = np.where(points[:, 0] > 2.5, "shop", "online")
    return pd.DataFrame({"spend": points[:, 0], "visits": points[:, 1], "kind": kind})


@pytest.fixture(scope="module")
def model(frame):
    dataset = from_frame(frame, name="t")
    return segment(dataset, k=3, k_range=(2, 3), bootstrap=0, categorical=["kind"]).model


@pytest.fixture
def saved(model, tmp_path):
    path = tmp_path / MODEL_FILENAME
    model.save(path)
    return path


def _rewrite(path, change_tree=None, extra=None):
    """Rewrite a model file with its tree changed by ``change_tree`` and ``extra`` members."""
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    tree = json.loads(members[model_file.TREE_MEMBER])
    if change_tree:
        change_tree(tree)
    members[model_file.TREE_MEMBER] = json.dumps(tree).encode()
    members.update(extra or {})
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content)


def _put_in_metadata(node):
    """Add ``node`` to the tree's metadata, after the trusted pipeline that precedes it."""

    def change(tree):
        for key, value in tree["root"]["dict"]:
            if key == "metadata":
                value["dict"].append(["extra", node])

    return change


def test_values_survive_exactly(tmp_path):
    value = {
        1: ("a", None, True, 2.5, float("inf")),
        "slice": slice(None, 4, 2),
        "scalars": [np.float64(0.1), np.int32(-3), np.bool_(True), np.str_("x"), np.uint8(7)],
        "dtypes": [np.dtype("float64"), np.dtype(object), np.dtype("<U3")],
        "arrays": [
            np.arange(6, dtype=np.int64).reshape(2, 3),
            np.asfortranarray(np.eye(3)),
            np.array(4.0),
            np.array(["ab", "c"]),
            np.zeros((0, 2)),
            np.array([[True, False]]),
        ],
        "texts": np.array([["a", None], [1.5, np.float64(2)]], dtype=object),
        "nan": float("nan"),
    }
    io.save_model(tmp_path / "v.custseg", value, trusted=())
    loaded = io.load_model(tmp_path / "v.custseg", trusted=())
    assert loaded[1] == value[1] and loaded["slice"] == value["slice"]
    assert [type(s) for s in loaded["scalars"]] == [type(s) for s in value["scalars"]]
    assert loaded["scalars"] == value["scalars"] and loaded["dtypes"] == value["dtypes"]
    for got, expected in zip(loaded["arrays"], value["arrays"], strict=True):
        assert got.dtype == expected.dtype and got.flags.f_contiguous == expected.flags.f_contiguous
        np.testing.assert_array_equal(got, expected)
    assert loaded["texts"].dtype == object and loaded["texts"].tolist() == value["texts"].tolist()
    assert np.isnan(loaded["nan"])


class Payload:
    """A type a model file must never smuggle in."""


@pytest.mark.parametrize(
    "value", [{"payload": Payload()}, {"eval": eval}, np.array([Payload()], dtype=object)]
)
def test_writing_refuses_what_it_could_not_read_back(tmp_path, value):
    with pytest.raises(CustsegError, match="cannot store|objects other than text"):
        io.save_model(tmp_path / "m.custseg", value, trusted=TRUSTED_TYPES)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("node", "named"),
    [
        ({"function": "os.system"}, "os.system"),
        ({"object": "subprocess.Popen", "state": {"dict": [["args", "id"]]}}, "subprocess.Popen"),
        ({"function": "builtins.eval"}, "builtins.eval"),
        ({"class": f"{__name__}.Payload"}, f"{__name__}.Payload"),
        ({"tuple": [{"function": "os.system"}, {"class": "posix.system"}]}, "os.system, posix"),
    ],
)
def test_untrusted_names_are_refused_before_anything_is_built(saved, monkeypatch, node, named):
    _rewrite(saved, _put_in_metadata(node))
    resolved = []
    monkeypatch.setattr(model_file, "_resolve", resolved.append)
    with pytest.raises(CustsegError, match=f"does not trust: {named}"):
        SegmentModel.load(saved)
    assert resolved == []  # not even the trusted pipeline before it was imported or built


def _npy(array):
    import io as bytes_io

    buffer = bytes_io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("node", "members"),
    [
        ({"array": "arrays/pickled.npy"}, {"arrays/pickled.npy": _npy(np.array([{}, 1]))}),
        ({"array": "arrays/dates.npy"}, {"arrays/dates.npy": _npy(np.zeros(2, dtype="M8[D]"))}),
        ({"array": "arrays/missing.npy"}, {}),
        ({"object_array": {"shape": [1], "items": [{"function": "numpy.log1p"}]}}, {}),
        ({"object_array": {"shape": [3], "items": [1]}}, {}),
        ({"scalar": ["|O", 1]}, {}),
        ({"scalar": ["<f8", "not a number"]}, {}),
        ({"dtype": "V8"}, {}),
        ({"dtype": "i4,f8"}, {}),
        ({"dict": 5}, {}),
        ({"dict": [[[1], 2]]}, {}),
        ({"slice": [1, 2]}, {}),
        ({"tuple": [], "state": 1}, {}),
        ({"lambda": "x"}, {}),
        ({"class": "numpy.log1p"}, {}),
        ({"object": "numpy.log1p", "state": {"dict": []}}, {}),
        ({"object": "sklearn.cluster._kmeans.KMeans", "state": [1]}, {}),
    ],
)
def test_malformed_trees_are_one_message(saved, node, members):
    _rewrite(saved, _put_in_metadata(node), members)
    with pytest.raises(CustsegError, match="not a readable custseg model"):
        SegmentModel.load(saved)


def _damage(kind):
    def change(path):
        content = path.read_bytes()
        if kind == "truncated":
            path.write_bytes(content[: len(content) // 2])
        elif kind == "empty":
            path.write_bytes(b"")
        elif kind == "text":
            path.write_bytes(b"not a zip at all")
        elif kind == "no tree":
            with zipfile.ZipFile(path, "w") as zf:
                zf.writestr("arrays/0.npy", b"")
        elif kind == "other version":
            _rewrite(path, lambda tree: tree.update(version=2))
        elif kind == "not a tree":
            _rewrite(path, lambda tree: tree.update(format="something else"))
        elif kind == "deep":
            _rewrite(path, lambda tree: None, {model_file.TREE_MEMBER: b"[" * 100_000})

    return change


@pytest.mark.parametrize(
    "kind", ["truncated", "empty", "text", "no tree", "other version", "not a tree", "deep"]
)
def test_damaged_files_are_one_message(saved, kind):
    _damage(kind)(saved)
    with pytest.raises(CustsegError, match="not a readable custseg model"):
        SegmentModel.load(saved.parent)


def test_skops_models_of_older_runs_still_load(model, frame, saved):
    as_skops_run(saved.parent)
    loaded = SegmentModel.load(saved.parent)
    pd.testing.assert_frame_equal(loaded.score(frame), model.score(frame))
    assert SegmentModel.load(saved.parent / LEGACY_MODEL_FILENAME).features == model.features


def test_skops_models_with_untrusted_types_are_refused(tmp_path):
    import skops.io

    skops.io.dump({"format": "custseg-model", "payload": Payload()}, tmp_path / "model.skops")
    with pytest.raises(CustsegError, match="does not trust"):
        SegmentModel.load(tmp_path)


@pytest.mark.parametrize("name", TRUSTED_TYPES)
def test_every_trusted_name_is_still_where_the_file_says(name):
    """A scikit-learn release that moves a class fails here, not in a user's load."""
    module, _, attribute = name.rpartition(".")
    assert callable(getattr(importlib.import_module(module), attribute))


def _set_state(class_name, key, value):
    """Set ``key`` in the state of the tree's first object of ``class_name``."""

    def find(node):
        if type(node) is list:
            return next(filter(None, map(find, node)), None)
        if type(node) is dict:
            if str(node.get("object", "")).endswith(class_name):
                return node
            return next(filter(None, map(find, node.values())), None)
        return None

    def change(tree):
        found = find(tree["root"])
        found["state"]["dict"] = [kv for kv in found["state"]["dict"] if kv[0] != key]
        found["state"]["dict"].append([key, value])

    return change


@pytest.mark.parametrize(
    ("class_name", "key", "value"),
    [
        ("KMeans", "predict", {"function": "numpy.log1p"}),
        ("Pipeline", "transform", {"class": "sklearn.pipeline.Pipeline"}),
        ("KMeans", "__class__", 1),
    ],
)
def test_state_cannot_replace_what_custseg_calls(saved, class_name, key, value):
    _rewrite(saved, _set_state(class_name, key, value))
    with pytest.raises(CustsegError, match=f"replaces its {key}|has the key"):
        SegmentModel.load(saved)


@pytest.mark.parametrize(
    ("class_name", "key"), [("KMeans", "_n_threads"), ("ColumnTransformer", "n_jobs")]
)
def test_thread_counts_are_this_machines(saved, frame, model, class_name, key):
    _rewrite(saved, _set_state(class_name, key, 100_000))
    loaded = SegmentModel.load(saved)
    values = [getattr(step, key, None) for step in (loaded.pipeline[0], loaded.pipeline[-1])]
    assert 100_000 not in values
    pd.testing.assert_frame_equal(loaded.score(frame), model.score(frame))


def _npy_header(shape):
    import io as bytes_io

    buffer = bytes_io.BytesIO()
    header = {"descr": "<f8", "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("limit", "value", "members", "message"),
    [
        ("MAX_MEMBERS", 3, {}, "members, more than 3"),
        ("MAX_TREE_BYTES", 100, {}, "model.json has .* bytes, more than 100"),
        ("MAX_TOTAL_BYTES", 10**6, {"arrays/zeros.npy": bytes(2 * 10**6)}, "unpacks to"),
    ],
)
def test_files_past_the_limits_are_refused_unread(
    saved, monkeypatch, limit, value, members, message
):
    _rewrite(saved, None, members)
    monkeypatch.setattr(model_file, limit, value)
    monkeypatch.setattr(zipfile.ZipFile, "read", lambda *a: pytest.fail("read a member"))
    with pytest.raises(CustsegError, match=f"too large to be a custseg model .*{message}"):
        SegmentModel.load(saved)


def test_arrays_declaring_more_than_they_hold_are_not_allocated(saved):
    huge = _npy_header((10**6, 10**6))  # numpy would allocate its 8 TB before reading
    _rewrite(saved, _put_in_metadata({"array": "arrays/huge.npy"}), {"arrays/huge.npy": huge})
    with pytest.raises(CustsegError, match="declares more data than it holds"):
        SegmentModel.load(saved)


@pytest.mark.parametrize("score", [SegmentModel.predict, SegmentModel.score])
def test_a_model_whose_estimator_does_not_fit_its_preprocessing_fails_with_a_message(
    saved, frame, score
):
    _rewrite(saved, _set_state("KMeans", "n_features_in_", 7))
    with pytest.raises(CustsegError, match="segmentation failed .*the model is damaged"):
        score(SegmentModel.load(saved), frame)


def test_a_zip_directory_too_large_to_read_is_refused_unopened(saved, monkeypatch):
    monkeypatch.setattr(model_file, "MAX_DIRECTORY_BYTES", 200)
    monkeypatch.setattr(zipfile.ZipFile, "__init__", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(CustsegError, match="too large to be a custseg model .*a directory of"):
        SegmentModel.load(saved)
