"""Saving and loading models and training checkpoints, without pickle.

File format
-----------
A model or checkpoint is ONE NumPy ``.npz`` file: a zip archive of ``.npy`` arrays that
``np.load(path, allow_pickle=False)`` opens. It holds

* ``__backprop__``: the metadata, a 1-D uint8 array of UTF-8 JSON::

      {"format": "backprop-model", "version": 1,
       "architecture": model.config(),          # e.g. {"type": "Sequential", "layers": [...]}
       "parameters": ["layers.0.weight", ...],  # model.named_parameters() order
       "dtypes": {"layers.0.weight": "float32", ...}}

  A checkpoint has ``"format": "backprop-checkpoint"`` and adds ``"epoch"``, ``"rng_state"``,
  ``"extra"``, ``"optimizer"`` (``{"type", "hyper", "step", "buffers": [buffer names]}`` or
  null) and ``"best"`` (true when it holds a second set of weights, e.g. early stopping's best);
* one array per parameter, named by its dotted name (``layers.0.weight``);
* in a checkpoint, one array per optimizer buffer, named ``optim/<buffer name>``
  (``optim/0.momentum_buffer``), and with ``"best"`` one array per parameter named
  ``best/<dotted name>``.

Nothing is pickled. The architecture is rebuilt from its JSON through a registry that maps each
config ``"type"`` to a constructor (extend it with :func:`register_module`); arrays are read with
``allow_pickle=False`` and a file that would need unpickling is rejected. A truncated, corrupted
or foreign file raises :class:`~backprop.errors.ModelFileError` naming the file and the problem.

Writes are atomic: the file is written to a temporary file in the target's folder, flushed to
disk and renamed over the target, so a crash leaves either the old file or the new one, never a
half-written one.
"""

from __future__ import annotations

import contextlib
import errno
import json
import operator
import os
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .errors import ModelFileError
from .layered import Network
from .nn.activations import MODULES, Softmax
from .nn.layers import Linear, Sequential
from .nn.module import Module

__all__ = ["load", "load_checkpoint", "register_module", "save", "save_checkpoint"]

StrPath = str | os.PathLike[str]

MODEL_FORMAT = "backprop-model"
CHECKPOINT_FORMAT = "backprop-checkpoint"
FORMAT_VERSION = 1
METADATA_MEMBER = "__backprop__"
OPTIMIZER_PREFIX = "optim/"
BEST_PREFIX = "best/"

# What reading a damaged zip member can raise besides ValueError (which np.load uses both for
# damaged .npy data and for refusing pickled object arrays, and is handled separately).
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)

# ---------------------------------------------------------------------------------- registry
#: A builder gets a module config without its "type" key and a function that rebuilds nested
#: module configs (for containers), and returns the module.
Builder = Callable[[dict[str, Any], Callable[[Any], Module]], Module]

_REGISTRY: dict[str, Builder] = {}


def register_module(
    cls: type[Module], name: str | None = None, build: Builder | None = None
) -> type[Module]:
    """Teach :func:`load` to rebuild modules whose ``config()["type"]`` is ``name``.

    ``name`` defaults to ``cls.__name__`` (what ``Module.config()`` reports). By default the
    module is rebuilt as ``cls(**args)``, ``args`` being its config without "type"; containers
    pass ``build(args, rebuild)``, where ``rebuild(child_config)`` rebuilds a nested module (see
    how ``Sequential`` is registered below). Parameters need not be initialised meaningfully:
    :func:`load` overwrites them from the file. Registering a name again replaces the entry.
    Returns ``cls``, so ``@register_module`` works as a class decorator.
    """
    if not (isinstance(cls, type) and issubclass(cls, Module)):
        raise TypeError(f"register_module: expected a Module subclass, got {cls!r}")
    _REGISTRY[cls.__name__ if name is None else name] = (
        build if build is not None else (lambda args, rebuild: cls(**args))
    )
    return cls


def _rebuild(config: Any) -> Module:
    """A module from its ``config()``; raises ValueError or TypeError if that is impossible."""
    if not isinstance(config, dict) or not isinstance(config.get("type"), str):
        raise ValueError(f"a module config must be an object with a string 'type', got {config!r}")
    args = dict(config)
    kind = args.pop("type")
    try:
        build = _REGISTRY[kind]
    except KeyError:
        raise ValueError(
            f"unknown module type {kind!r} (known: {', '.join(sorted(_REGISTRY))}); register "
            f"custom modules with backprop.io.register_module before loading"
        ) from None
    module = build(args, _rebuild)
    if not isinstance(module, Module):
        raise TypeError(f"the builder of {kind!r} returned a {type(module).__name__}, not a Module")
    return module


for _activation in (*MODULES.values(), Softmax):  # one per row of the activation table
    register_module(_activation)
# A fixed seed, so that rebuilding never draws from the library-wide generator (loading a model
# must not change what a seeded run does next); the weights are overwritten from the file.
register_module(Linear, build=lambda args, rebuild: Linear(**{**args, "seed": 0}))
register_module(Network, build=lambda args, rebuild: Network(**{**args, "seed": 0}))
register_module(
    Sequential, build=lambda args, rebuild: Sequential(*(rebuild(c) for c in args["layers"]))
)


# ---------------------------------------------------------------------------------- saving
def save(model: Module, path: StrPath) -> None:
    """Write ``model`` (architecture and parameters) to ``path`` as one ``.npz`` file, atomically.

    ``path`` is used exactly as given (no ``.npz`` is appended); its folder must exist. An
    existing file at ``path`` is replaced only once the new one is completely on disk.
    ``load(path)`` gives back a model that computes bit-identical outputs.
    """
    _check_module(model, "save")
    metadata, arrays = _model_payload(model, MODEL_FORMAT)
    _write_atomically(path, metadata, arrays)


def save_checkpoint(
    path: StrPath,
    model: Module,
    optimizer: Any = None,
    *,
    epoch: int,
    rng_state: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
    best: Mapping[str, Any] | None = None,
) -> None:
    """Write a training checkpoint to ``path`` atomically: the model, the optimizer's state, the
    epoch, a random generator state (e.g. ``backprop.rng.get_state()``), any ``extra``
    JSON-able data (history, best score, ...) and optionally ``best``, a second set of weights
    for the same model (a ``model.state_dict()``, e.g. the best epoch's for early stopping).

    The optimizer needs ``state_dict()`` returning ``{"type", "hyper", "step", "buffers"}`` (see
    ``backprop.optim.Optimizer``). ``rng_state``, ``extra`` and the hyperparameters are stored as
    JSON, so tuples come back as lists and dict keys as strings.
    """
    _check_module(model, "save_checkpoint")
    for what, value in (("rng_state", rng_state), ("extra", extra)):
        if value is not None and not isinstance(value, dict):
            raise TypeError(f"save_checkpoint: {what} must be a dict or None, got {value!r}")
    metadata, arrays = _model_payload(model, CHECKPOINT_FORMAT)
    metadata.update(
        epoch=operator.index(epoch),
        rng_state=rng_state,
        extra=extra,
        optimizer=None,
        best=best is not None,
    )
    if best is not None:
        params = dict(model.named_parameters())
        if set(best) != set(params):
            raise ValueError(
                f"save_checkpoint: best must hold the model's parameters {sorted(params)}, got "
                f"{sorted(best)}"
            )
        for name, p in params.items():
            array = np.asarray(best[name])
            if array.shape != p.shape or array.dtype != p.data.dtype:
                raise ValueError(
                    f"save_checkpoint: best[{name!r}] is {array.dtype} of shape {array.shape}, "
                    f"but the parameter is {p.data.dtype} of shape {p.shape}"
                )
            arrays[BEST_PREFIX + name] = array
    if optimizer is not None:
        state = optimizer.state_dict()
        buffers = state["buffers"]
        metadata["optimizer"] = {
            "type": state["type"],
            "hyper": state["hyper"],
            "step": operator.index(state["step"]),
            "buffers": list(buffers),
        }
        for key, value in buffers.items():
            array = np.asarray(value)
            if array.dtype.hasobject:
                raise TypeError(
                    f"save_checkpoint: optimizer buffer {key!r} is an object array; only "
                    f"numeric arrays can be saved"
                )
            arrays[OPTIMIZER_PREFIX + key] = array
    _write_atomically(path, metadata, arrays)


def _check_module(model: Any, caller: str) -> None:
    if not isinstance(model, Module):
        raise TypeError(f"{caller}: expected a backprop Module, got {type(model).__name__}")


def _model_payload(model: Module, file_format: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The metadata and the parameter arrays of ``model``."""
    arrays = {name: p.data for name, p in model.named_parameters()}
    metadata = {
        "format": file_format,
        "version": FORMAT_VERSION,
        "architecture": model.config(),
        "parameters": list(arrays),
        "dtypes": {name: str(array.dtype) for name, array in arrays.items()},
    }
    return metadata, arrays


def _json_default(value: Any) -> Any:
    """NumPy scalars (e.g. a float32 hyperparameter) become the Python numbers they hold."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _to_json(value: Any) -> str:
    return json.dumps(value, default=_json_default)


def _write_atomically(path: StrPath, metadata: dict[str, Any], arrays: Mapping[str, Any]) -> None:
    """Write the .npz archive through :func:`_atomic_file`: ``path`` is replaced only once the
    whole archive is on disk, and left untouched on any failure."""
    try:
        text = _to_json(metadata)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"cannot save {os.fspath(path)}: the architecture (config()), rng_state, extra and "
            f"optimizer hyperparameters must be JSON-serialisable: {exc}"
        ) from exc
    header = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    with _atomic_file(path) as file:
        # What np.savez does, but through an open file (no ".npz" appended to the name) and
        # with allow_pickle=False.
        with zipfile.ZipFile(file, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for name, array in ((METADATA_MEMBER, header), *arrays.items()):
                with archive.open(name + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


@contextlib.contextmanager
def _atomic_file(path: StrPath) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary file in the target's folder, flushed
    to disk and renamed over ``path`` when the block ends; if the block raises, the temporary
    is removed and ``path`` left untouched. Models, checkpoints and ``backprop.interop``'s ONNX
    and PyTorch files are written through here."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            errno.ENOENT, f"cannot save {os.fspath(path)}: the folder does not exist", str(folder)
        )
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "cannot save over a folder", os.fspath(path))
    mode = _file_mode(target)

    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def _file_mode(target: Path) -> int:
    """Permission bits for the saved file: those of the file it replaces, else what ``open()``
    would give a new file (mkstemp's own 0o600 would hide the model from other users)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)  # the only portable way to read the umask is to set it and restore it
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable; best effort (Windows cannot open folders, some file
    systems refuse to fsync them)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------------- loading
def load(path: StrPath) -> Module:
    """Rebuild the model saved by :func:`save` (or the model inside a checkpoint).

    Raises FileNotFoundError if ``path`` does not exist and ModelFileError, naming the file and
    the problem, if it is truncated, corrupted, not a backprop file, or holds a module type that
    is not registered (see :func:`register_module`).
    """
    with _open_archive(path) as (where, npz):
        metadata = _read_metadata(where, npz, (MODEL_FORMAT, CHECKPOINT_FORMAT))
        try:
            model = _rebuild(metadata["architecture"])
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelFileError(f"{where}: cannot rebuild the architecture: {exc}") from exc
        arrays = _read_parameters(where, npz, metadata, model)
    for name, p in model.named_parameters():
        p.data = arrays[name]  # the file's exact array, dtype included
    return model


def load_checkpoint(path: StrPath, model: Module, optimizer: Any = None) -> dict[str, Any]:
    """Restore a checkpoint written by :func:`save_checkpoint` into ``model`` and ``optimizer``.

    ``model`` must have the checkpoint's architecture; its parameters are overwritten in place.
    If ``optimizer`` is given, the checkpoint must hold optimizer state of the same type, which
    is restored with ``optimizer.load_state_dict``. Everything is validated before anything is
    changed, so a bad file leaves ``model`` untouched. Returns ``{"epoch", "rng_state", "extra",
    "best"}`` (``best``: the second set of weights as a state dict, or None); restore the
    generator yourself, e.g. ``backprop.rng.set_state(info["rng_state"])``.
    """
    _check_module(model, "load_checkpoint")
    with _open_archive(path) as (where, npz):
        metadata = _read_metadata(where, npz, (CHECKPOINT_FORMAT,))
        expected = json.loads(_to_json(model.config()))
        if metadata["architecture"] != expected:
            raise ModelFileError(
                f"{where}: the checkpoint was saved from a different architecture: "
                f"{_to_json(metadata['architecture'])}, but the model is {_to_json(expected)}"
            )
        arrays = _read_parameters(where, npz, metadata, model)
        epoch = metadata.get("epoch")
        if isinstance(epoch, bool) or not isinstance(epoch, int):
            raise ModelFileError(f"{where}: metadata field 'epoch' is missing or not an integer")
        info = {"epoch": epoch}
        for key in ("rng_state", "extra"):
            info[key] = metadata.get(key)
            if info[key] is not None and not isinstance(info[key], dict):
                raise ModelFileError(f"{where}: metadata field {key!r} is not an object or null")
        optimizer_state = (
            None if optimizer is None else _read_optimizer(where, npz, metadata, optimizer)
        )
        best = metadata.get("best", False)
        if not isinstance(best, bool):
            raise ModelFileError(f"{where}: metadata field 'best' is not true or false")
        info["best"] = _read_parameters(where, npz, metadata, model, BEST_PREFIX) if best else None
    for name, p in model.named_parameters():
        if arrays[name].dtype != p.data.dtype:
            raise ModelFileError(
                f"{where}: parameter {name!r} is {arrays[name].dtype} in the checkpoint but "
                f"{p.data.dtype} in the model"
            )
    if optimizer is not None:
        try:
            optimizer.load_state_dict(optimizer_state)
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelFileError(f"{where}: cannot restore the optimizer state: {exc}") from exc
    for name, p in model.named_parameters():
        p.data[...] = arrays[name]
    return info


@contextlib.contextmanager
def _open_archive(path: StrPath) -> Iterator[tuple[str, Any]]:
    """Yield (the path as text for messages, the open NpzFile) or raise ModelFileError."""
    where = os.fspath(path)
    try:
        file = open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(errno.ENOENT, "no such backprop file", where) from None
    with file:
        magic = file.read(4)
        if not magic:
            raise ModelFileError(f"{where}: empty file, not a backprop model file")
        if magic not in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip's first entry / an empty zip
            raise ModelFileError(f"{where}: not a backprop model file (not an .npz archive)")
        file.seek(0)
        try:
            npz = np.load(file, allow_pickle=False)
        except (ValueError, *_DAMAGED) as exc:
            raise ModelFileError(
                f"{where}: truncated or corrupted .npz archive ({type(exc).__name__}: {exc})"
            ) from exc
        with npz:
            yield where, npz


def _read_array(where: str, npz: Any, key: str, what: str) -> np.ndarray:
    """Member ``key`` of the archive, translating every way it can be unreadable."""
    try:
        value = npz[key]
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ModelFileError(
                f"{where}: {what} is a pickled object array; backprop never writes those and "
                f"refuses to unpickle them"
            ) from exc
        raise ModelFileError(f"{where}: {what} is truncated or corrupted ({exc})") from exc
    except _DAMAGED as exc:
        raise ModelFileError(
            f"{where}: {what} is truncated or corrupted ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(value, np.ndarray):
        raise ModelFileError(f"{where}: {what} is not a .npy array")
    return value


def _read_metadata(where: str, npz: Any, formats: tuple[str, ...]) -> dict[str, Any]:
    """The checked metadata: one of ``formats``, this version, with the model fields."""
    if METADATA_MEMBER not in npz.files:
        raise ModelFileError(f"{where}: no backprop metadata; was it written by backprop.save?")
    raw = _read_array(where, npz, METADATA_MEMBER, "the metadata")
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(
            f"{where}: malformed metadata (a {raw.dtype} array of shape {raw.shape}, expected "
            f"1-D uint8 UTF-8 JSON)"
        )
    try:
        metadata = json.loads(raw.tobytes().decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError
        raise ModelFileError(f"{where}: the metadata is not valid JSON ({exc})") from exc
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{where}: the metadata is not a JSON object")

    file_format = metadata.get("format")
    if file_format not in formats:
        if file_format == MODEL_FORMAT:
            problem = (
                "is a model file (backprop.save), not a checkpoint; open it with backprop.load"
            )
        else:
            problem = f"has format {file_format!r}, expected {' or '.join(map(repr, formats))}"
        raise ModelFileError(f"{where}: {problem}")
    version = metadata.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        newer = isinstance(version, int) and version > FORMAT_VERSION
        raise ModelFileError(
            f"{where}: unsupported format version {version!r}; this backprop reads version "
            f"{FORMAT_VERSION}" + (" (upgrade backprop)" if newer else "")
        )
    names = metadata.get("parameters")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ModelFileError(f"{where}: metadata field 'parameters' is not a list of names")
    dtypes = metadata.get("dtypes")
    if not isinstance(dtypes, dict):
        raise ModelFileError(f"{where}: metadata field 'dtypes' is not an object")
    if "architecture" not in metadata:
        raise ModelFileError(f"{where}: metadata field 'architecture' is missing")
    return metadata


def _read_parameters(
    where: str, npz: Any, metadata: dict[str, Any], model: Module, prefix: str = ""
) -> dict[str, np.ndarray]:
    """The file's parameter arrays (members ``prefix + name``), checked against ``model``'s names
    and shapes and the metadata's dtypes."""
    params = dict(model.named_parameters())
    if list(params) != metadata["parameters"]:
        raise ModelFileError(
            f"{where}: the file lists parameters {metadata['parameters']}, but the architecture "
            f"has {list(params)}"
        )
    arrays = {}
    for name, p in params.items():
        member = prefix + name
        what = f"parameter {member!r}"
        if member not in npz.files:
            raise ModelFileError(f"{where}: {what} is missing")
        array = _read_array(where, npz, member, what)
        if array.shape != p.shape:
            raise ModelFileError(
                f"{where}: {what} has shape {array.shape} in the file but {p.shape} in the "
                f"architecture"
            )
        if str(array.dtype) != metadata["dtypes"].get(name):
            raise ModelFileError(
                f"{where}: {what} is stored as {array.dtype} but the metadata says "
                f"{metadata['dtypes'].get(name)!r}"
            )
        arrays[name] = array
    return arrays


def _read_optimizer(
    where: str, npz: Any, metadata: dict[str, Any], optimizer: Any
) -> dict[str, Any]:
    """The optimizer state in the checkpoint, as ``optimizer.load_state_dict`` takes it."""
    info = metadata.get("optimizer")
    if info is None:
        raise ModelFileError(f"{where}: the checkpoint holds no optimizer state")
    if not (
        isinstance(info, dict)
        and isinstance(info.get("type"), str)
        and isinstance(info.get("hyper"), dict)
        and isinstance(info.get("step"), int)
        and isinstance(info.get("buffers"), list)
        and all(isinstance(key, str) for key in info["buffers"])
    ):
        raise ModelFileError(f"{where}: malformed optimizer metadata {info!r}")
    if info["type"] != type(optimizer).__name__:
        raise ModelFileError(
            f"{where}: the checkpoint holds {info['type']} state, which cannot be loaded into "
            f"a {type(optimizer).__name__}"
        )
    buffers = {}
    for key in info["buffers"]:
        member = OPTIMIZER_PREFIX + key
        if member not in npz.files:
            raise ModelFileError(f"{where}: optimizer buffer {key!r} is missing")
        buffers[key] = _read_array(where, npz, member, f"optimizer buffer {key!r}")
    return {**info, "buffers": buffers}
