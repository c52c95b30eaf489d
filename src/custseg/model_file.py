"""custseg's model file: a zip of one JSON tree and numpy arrays, read without pickle.

The tree stores Python values as JSON (dicts, tuples and slices tagged), numeric arrays as
``.npy`` members (read with ``allow_pickle=False``), arrays of text as JSON lists, and objects
as their class path and state (scikit-learn estimators: ``__getstate__``). Reading checks the
whole tree, and every class or function it names against an allowlist, before it imports or
builds anything; objects are then made with ``cls.__new__(cls)`` and ``__setstate__``, so a
hostile file can name only classes the caller trusts and give them only data.
"""

from __future__ import annotations

import importlib
import inspect
import json
import math
import types
import zipfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import numpy as np

from custseg.errors import CustsegError

FILE_FORMAT = "custseg-model-file"
FILE_VERSION = 1
#: The member holding the tree; its presence tells this format from a skops file.
TREE_MEMBER = "model.json"
#: Array kinds stored as ``.npy`` members: bool, integers, floats, complex, fixed-width text.
_NPY_KINDS = frozenset("biufcUS")
#: Kinds of numpy scalars and of dtypes the tree holds.
_SCALAR_KINDS = frozenset("biufU")
_DTYPE_KINDS = _SCALAR_KINDS | {"O"}
_PLAIN = (str, int, float, bool, type(None))
_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, np.ufunc)
#: Limits a file must keep before anything is read from it, so that a small hostile zip
#: cannot fill memory: the members, the tree's size and everything it unpacks to.
MAX_MEMBERS = 10_000
#: The zip's directory, read whole when the zip is opened (the member count is not what bounds it).
MAX_DIRECTORY_BYTES = 4 * 2**20
MAX_TREE_BYTES = 64 * 2**20
MAX_TOTAL_BYTES = 2 * 2**30


class _Refused(Exception):
    """The file names something outside the allowlist."""


class _Damaged(Exception):
    """The tree is not one this module writes."""


def _path_of(value: Any) -> str:
    if isinstance(value, np.ufunc):
        return f"numpy.{value.__name__}"
    named = value if isinstance(value, (type, *_FUNCTIONS)) else type(value)
    return f"{named.__module__}.{named.__qualname__}"


def _resolve(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


class _Writer:
    def __init__(self, trusted: Collection[str]) -> None:
        self.trusted = trusted
        self.arrays: list[np.ndarray] = []

    def encode(self, value: Any) -> Any:
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is list:
            return [self.encode(v) for v in value]
        if kind is tuple:
            return {"tuple": [self.encode(v) for v in value]}
        if kind is dict:
            return {"dict": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if kind is slice:
            return {"slice": [self.encode(v) for v in (value.start, value.stop, value.step)]}
        if kind is np.ndarray:
            return self._array(value)
        if isinstance(value, np.generic) and value.dtype.kind in _SCALAR_KINDS:
            return {"scalar": [value.dtype.str, value.item()]}
        if isinstance(value, np.dtype) and value.kind in _DTYPE_KINDS and value.fields is None:
            return {"dtype": value.str}
        path = _path_of(value)
        if path not in self.trusted:
            raise CustsegError(
                f"The model holds a {path}, which a custseg model file cannot store.",
                hint="Save models that custseg segment fits.",
            )
        if isinstance(value, type):
            return {"class": path}
        if isinstance(value, _FUNCTIONS):
            return {"function": path}
        state = value.__getstate__()
        if type(state) is not dict:
            raise CustsegError(f"The model's {path} has no state a model file can store.")
        return {"object": path, "state": self.encode(state)}

    def _array(self, array: np.ndarray) -> Any:
        if array.dtype.kind in _NPY_KINDS and array.dtype.fields is None:
            self.arrays.append(array)
            return {"array": f"arrays/{len(self.arrays) - 1}.npy"}
        if array.dtype.kind == "O":
            items = [self.encode(v) for v in array.ravel().tolist()]
            if not all(_is_item(v) for v in items):
                raise CustsegError("The model holds an array of objects other than text.")
            return {"object_array": {"shape": list(array.shape), "items": items}}
        raise CustsegError(f"The model holds an array of {array.dtype}, which it cannot store.")


def write(path: Path, value: Any, *, trusted: Collection[str]) -> None:
    """Write ``value`` to ``path``, refusing objects whose class path is not in ``trusted``.

    Raises
    ------
    CustsegError
        For a value the format cannot store.
    """
    writer = _Writer(frozenset(trusted))
    tree = {"format": FILE_FORMAT, "version": FILE_VERSION, "root": writer.encode(value)}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(TREE_MEMBER, json.dumps(tree, separators=(",", ":")))
        for number, array in enumerate(writer.arrays):
            with zf.open(f"arrays/{number}.npy", "w") as member:
                np.save(member, array, allow_pickle=False)


def is_skops_file(path: Path) -> bool:
    """Whether ``path`` is a zip in skops' format (custseg's models before this format)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return False
    return "schema.json" in names and TREE_MEMBER not in names


def read(path: Path, *, trusted: Collection[str]) -> Any:
    """The value written by :func:`write`, if it names only classes and functions in
    ``trusted``; nothing is imported or built before the whole tree has been checked.

    Raises
    ------
    CustsegError
        If the file is damaged, is not a custseg model file, or names an untrusted type.
    """
    try:
        check_directory(path)
        with zipfile.ZipFile(path) as zf:
            _check_sizes(zf)
            tree = json.loads(zf.read(TREE_MEMBER))
            if not isinstance(tree, dict) or tree.get("format") != FILE_FORMAT:
                raise _Damaged(f"{TREE_MEMBER} is not a custseg model tree")
            if tree.get("version") != FILE_VERSION:
                raise _Damaged(f"model file version {tree.get('version')!r} is not {FILE_VERSION}")
            reader = _Reader(zf, frozenset(trusted))
            reader.check(tree.get("root"))
            if reader.untrusted:
                raise _Refused(", ".join(sorted(reader.untrusted)))
            return reader.build(tree["root"])
    except _Refused as refused:
        raise CustsegError(
            f"{path} contains types custseg does not trust: {refused}.",
            hint="Only load models written by custseg; refit the model if in doubt.",
        ) from None
    except _TooLarge as too_large:
        raise CustsegError(
            f"{path} is too large to be a custseg model ({too_large}).",
            hint="Point at a model file custseg wrote, or refit the model with custseg segment.",
        ) from None
    except CustsegError:
        raise
    except Exception as exc:  # zip, JSON, npy and __setstate__ fail in many ways on bad input
        detail = str(exc) if isinstance(exc, _Damaged) else f"{type(exc).__name__}: {exc}"
        raise CustsegError(
            f"{path} is not a readable custseg model ({detail}).",
            hint="Point at a model file custseg wrote, or refit the model with custseg segment.",
        ) from None


class _TooLarge(Exception):
    """The file unpacks to more than a model file may hold."""


def check_directory(path: Path) -> None:
    """Refuse (CustsegError), before it is opened, a zip whose directory is too large to read:
    opening a zip builds an object per entry, several times the bytes each takes in the file."""
    try:
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # the end record, as ZipFile itself reads it
    except OSError:
        return  # opening it names the problem
    if end is not None and end[zipfile._ECD_SIZE] > MAX_DIRECTORY_BYTES:
        raise CustsegError(
            f"{path} is too large to be a custseg model (a directory of "
            f"{end[zipfile._ECD_SIZE]} bytes, more than {MAX_DIRECTORY_BYTES}).",
            hint="Point at a model file custseg wrote, or refit the model with custseg segment.",
        )


def _check_sizes(zf: zipfile.ZipFile) -> None:
    """Refuse a zip whose declared sizes exceed the limits (reading never yields more bytes
    than a member declares, so the declared sizes bound what reading unpacks)."""
    members = zf.infolist()
    if len(members) > MAX_MEMBERS:
        raise _TooLarge(f"{len(members)} members, more than {MAX_MEMBERS}")
    total = sum(member.file_size for member in members)
    if total > MAX_TOTAL_BYTES:
        raise _TooLarge(f"it unpacks to {total} bytes, more than {MAX_TOTAL_BYTES}")
    tree = next((m for m in members if m.filename == TREE_MEMBER), None)
    if tree is not None and tree.file_size > MAX_TREE_BYTES:
        raise _TooLarge(f"its {TREE_MEMBER} has {tree.file_size} bytes, more than {MAX_TREE_BYTES}")


def _read_npy(zf: zipfile.ZipFile, name: str) -> np.ndarray:
    """The array in member ``name``, once its header's shape fits the bytes the member holds
    (numpy allocates the declared shape before it reads the data)."""
    with zf.open(name) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise _Damaged(f"{name} is in npy format {version}")
        _kind(dtype.str, _NPY_KINDS)
        if math.prod(shape) * dtype.itemsize > zf.getinfo(name).file_size - member.tell():
            raise _Damaged(f"{name} declares more data than it holds")
    with zf.open(name) as member:
        return np.lib.format.read_array(member, allow_pickle=False)


def _check_state(cls: type, state: Any) -> None:
    """Refuse state that would hide a method, property or special name of ``cls``: instance
    attributes win over methods, so a key such as ``predict`` would replace what custseg calls."""
    for key in state:
        if type(key) is not str or not key.isidentifier() or key.startswith("__"):
            raise _Damaged(f"{cls.__name__} state has the key {str(key)[:40]!r}")
        attribute = inspect.getattr_static(cls, key, None)
        if callable(attribute) or hasattr(type(attribute), "__get__"):
            raise _Damaged(f"{cls.__name__} state replaces its {key}")


def _use_local_threads(state: dict[str, Any]) -> None:
    """Give a loaded estimator this machine's thread and process counts: the file's are the
    writer's machine's, and a hostile file could ask predict for a million threads."""
    if "_n_threads" in state:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        state["_n_threads"] = _openmp_effective_n_threads()
    if "n_jobs" in state:
        state["n_jobs"] = None


class _Reader:
    def __init__(self, zf: zipfile.ZipFile, trusted: frozenset[str]) -> None:
        self.zf = zf
        self.trusted = trusted
        self.members = set(zf.namelist())
        self.untrusted: set[str] = set()

    def check(self, node: Any) -> None:
        """Raise _Damaged for a malformed tree; collect the untrusted paths it names."""
        if type(node) in _PLAIN:
            return
        if type(node) is list:
            for item in node:
                self.check(item)
            return
        if type(node) is not dict or len(node) not in (1, 2):
            raise _Damaged(f"unexpected {type(node).__name__} node")
        tag = next(iter(node))
        body = node[tag]
        shape = _SHAPES.get(tag)
        if shape is None or (len(node) == 2) != (tag == "object") or not shape(body, node):
            raise _Damaged(f"malformed {str(tag)[:20]} node")
        if tag in ("class", "function", "object") and body not in self.trusted:
            self.untrusted.add(body)
        if tag == "array" and body not in self.members:
            raise _Damaged(f"missing array {body}")
        if tag == "scalar":
            _kind(body[0], _SCALAR_KINDS)
        if tag == "dtype":
            _kind(body, _DTYPE_KINDS)
        for child in _children(tag, body, node):
            self.check(child)

    def build(self, node: Any) -> Any:
        if type(node) in _PLAIN:
            return node
        if type(node) is list:
            return [self.build(item) for item in node]
        tag = next(iter(node))
        body = node[tag]
        if tag == "tuple":
            return tuple(self.build(v) for v in body)
        if tag == "dict":
            return {self.build(k): self.build(v) for k, v in body}
        if tag == "slice":
            return slice(*(self.build(v) for v in body))
        if tag == "array":
            return _read_npy(self.zf, body)
        if tag == "object_array":
            items = [self.build(v) for v in body["items"]]
            array = np.empty(len(items), dtype=object)
            array[:] = items
            return array.reshape(body["shape"])
        if tag == "scalar":
            return np.dtype(body[0]).type(body[1])
        if tag == "dtype":
            return np.dtype(body)
        resolved = _resolve(body)
        if tag == "class":
            if not isinstance(resolved, type):
                raise _Damaged(f"{body} is not a class")
            return resolved
        if tag == "function":
            if isinstance(resolved, type) or not callable(resolved):
                raise _Damaged(f"{body} is not a function")
            return resolved
        if not isinstance(resolved, type):
            raise _Damaged(f"{body} is not a class")
        state = self.build(node["state"])
        _check_state(resolved, state)
        _use_local_threads(state)
        obj = resolved.__new__(resolved)
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:
            obj.__dict__.update(state)
        return obj


def _kind(dtype: Any, kinds: Collection[str]) -> None:
    if not isinstance(dtype, str) or len(dtype) > 8:
        raise _Damaged("a dtype is not a short string")
    parsed = np.dtype(dtype)
    if parsed.kind not in kinds or parsed.fields is not None or parsed.subdtype is not None:
        raise _Damaged(f"dtype {dtype} is not allowed here")


def _is_list(body: Any, length: int | None = None) -> bool:
    return type(body) is list and (length is None or len(body) == length)


def _children(tag: str, body: Any, node: dict[str, Any]) -> list[Any]:
    if tag in ("tuple", "slice"):
        return body
    if tag == "dict":
        return [part for pair in body for part in pair]
    if tag == "object_array":
        return body["items"]
    if tag == "object":
        return [node["state"]]
    return []


def _is_item(node: Any) -> bool:
    """Whether ``node`` may be an element of an object array: a plain value or numpy scalar."""
    return type(node) in _PLAIN or (type(node) is dict and set(node) == {"scalar"})


def _is_object_array(body: Any) -> bool:
    return (
        type(body) is dict
        and set(body) == {"shape", "items"}
        and _is_list(body["shape"])
        and all(type(n) is int and n >= 0 for n in body["shape"])
        and _is_list(body["items"])
        and math.prod(body["shape"]) == len(body["items"])
        and all(_is_item(v) for v in body["items"])
    )


#: What the body of each tag must look like (the second argument is the whole node).
_SHAPES = {
    "tuple": lambda body, node: _is_list(body),
    "dict": lambda body, node: _is_list(body) and all(_is_list(pair, 2) for pair in body),
    "slice": lambda body, node: _is_list(body, 3),
    "array": lambda body, node: type(body) is str and body.startswith("arrays/"),
    "object_array": lambda body, node: _is_object_array(body),
    "scalar": lambda body, node: _is_list(body, 2) and type(body[1]) in _PLAIN,
    "dtype": lambda body, node: type(body) is str,
    "class": lambda body, node: type(body) is str,
    "function": lambda body, node: type(body) is str,
    "object": lambda body, node: (
        type(body) is str and type(node.get("state")) is dict and set(node["state"]) == {"dict"}
    ),
}
