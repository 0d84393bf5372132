"""Saving and loading models and training checkpoints, without pickle.

File format
-----------
A model or checkpoint is ONE NumPy ``.npz`` file: a zip archive of ``.npy`` arrays that
``np.load(path, allow_pickle=False)`` opens. It holds

* ``__backprop__``: the metadata, a 1-D uint8 array of UTF-8 JSON::

      {"format": "backprop-model", "version": 1,
       "architecture": model.config(),          # e.g. {"type": "Sequential", "layers": [...]}
       "parameters": ["layers.0.weight", ...],  # model.named_parameters() order
       "dtypes": {"layers.0.weight": "float32", ...},
       "extra": {...}}                          # optional: save(..., extra=) (JSON), e.g. the
                                                # loss a model was trained with (backprop train)

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
half-written one. The temporary file is named ``.NAME.PID.XXXXXXXX.tmp`` after the target and
the writing process; a save removes the ones earlier saves to the same target left behind when
their process was killed (only those whose process no longer exists).

Reading checks before it allocates: the archive's members through ``backprop.archive`` (zip
directory, ``.npy`` headers, a zip-bomb ratio, no pickled objects), the metadata's size, the
architecture's nesting and parameter count (against the arrays the file holds, and against the
size guard of ``backprop.limits``), and that parameters are floating point.
"""

from __future__ import annotations

import contextlib
import errno
import json
import operator
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .archive import Archive, Member
from .backend import parameter_array
from .errors import LimitError, ModelFileError
from .layered import Network
from .limits import check_parameters, layer_sizes, network_parameters, positive_size
from .nn.activations import MODULES, Softmax
from .nn.layers import Linear, Sequential
from .nn.module import Module

__all__ = [
    "check_checkpoint_architecture",
    "load",
    "load_checkpoint",
    "load_extra",
    "register_module",
    "save",
    "save_checkpoint",
    "write_text",
]

StrPath = str | os.PathLike[str]

MODEL_FORMAT = "backprop-model"
CHECKPOINT_FORMAT = "backprop-checkpoint"
FORMAT_VERSION = 1
METADATA_MEMBER = "__backprop__"
OPTIMIZER_PREFIX = "optim/"
BEST_PREFIX = "best/"

#: The largest metadata member read (the architecture, history and generator state as JSON).
MAX_METADATA_BYTES = 16 * 2**20
#: An architecture of at most this many parameters is built before its arrays are compared
#: with it; a larger one must not declare more parameters than the file holds.
CHEAP_TO_BUILD = 2**20
#: How deeply an architecture may nest JSON lists and objects (a Sequential in a Sequential in
#: ... takes two levels each).
MAX_NESTING = 64

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
#: Registered types without parameters: the activations.
_PARAMETERLESS = frozenset(_REGISTRY)
# A fixed seed, so that rebuilding never draws from the library-wide generator (loading a model
# must not change what a seeded run does next); the weights are overwritten from the file.
register_module(Linear, build=lambda args, rebuild: Linear(**{**args, "seed": 0}))
register_module(Network, build=lambda args, rebuild: Network(**{**args, "seed": 0}))
register_module(
    Sequential, build=lambda args, rebuild: Sequential(*(rebuild(c) for c in args["layers"]))
)


# ---------------------------------------------------------------------------------- saving
def save(model: Module, path: StrPath, *, extra: dict[str, Any] | None = None) -> None:
    """Write ``model`` (architecture and parameters) to ``path`` as one ``.npz`` file, atomically.

    ``path`` is used exactly as given (no ``.npz`` is appended); its folder must exist. An
    existing file at ``path`` is replaced only once the new one is completely on disk.
    ``load(path)`` gives back a model that computes bit-identical outputs. ``extra``, JSON-able
    data about the model (``backprop train`` stores the loss it trained with), comes back from
    :func:`load_extra`.
    """
    _check_module(model, "save")
    if extra is not None and not isinstance(extra, dict):
        raise TypeError(f"save: extra must be a dict or None, got {extra!r}")
    metadata, arrays = _model_payload(model, MODEL_FORMAT)
    if extra is not None:
        metadata["extra"] = extra
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
    is removed and ``path`` left untouched. Models, checkpoints, ``backprop.interop``'s ONNX
    and PyTorch files, pictures, histories and sweep records are written through here."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise FileNotFoundError(
            errno.ENOENT, f"cannot save {os.fspath(path)}: the folder does not exist", str(folder)
        )
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "cannot save over a folder", os.fspath(path))
    mode = _file_mode(target)

    _remove_orphans(target)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=_temporary_prefix(target), suffix=".tmp")
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


def write_text(path: StrPath, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, atomically (:func:`_atomic_file`): a reader sees the
    old file or the whole new one, never a part."""
    with _atomic_file(path) as file:
        file.write(text.encode("utf-8"))


def _temporary_prefix(target: Path) -> str:
    """Temporaries of a save to ``target`` are named ``.NAME.PID.XXXXXXXX.tmp`` (mkstemp's
    random part): the writer's process id shows whether a leftover one is an orphan."""
    return f".{target.name}.{os.getpid()}."


def _remove_orphans(target: Path) -> None:
    """Remove the temporaries that saves to ``target`` left behind when their process was
    killed: only names of exactly our pattern for this target, only when that process no longer
    exists (best effort; a process id reused since then keeps its file until it is gone too)."""
    if os.name != "posix":
        return
    pattern = re.compile(re.escape(f".{target.name}.") + r"(\d+)\.[a-z0-9_]{8}\.tmp")
    with contextlib.suppress(OSError):
        for entry in os.scandir(target.parent):
            match = pattern.fullmatch(entry.name)
            orphan = match is not None and not _process_exists(int(match[1]))
            if orphan and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _process_exists(pid: int) -> bool:
    """Whether process ``pid`` is running (ours, or another user's that we may not signal)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0 checks without sending anything
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # it exists but is not ours, or the number is no process id: keep the file
    return True


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

    Everything the file declares is checked before anything is built or read: the metadata's
    size, the architecture's nesting (at most ``MAX_NESTING`` levels of JSON) and sizes, its
    parameter count against the members the archive holds (their sizes come from the zip
    directory and the ``.npy`` headers) and against ``backprop.limits`` (a cap and the memory
    available), and every member as ``backprop.archive`` describes (zip bombs, sizes that
    disagree, pickled objects). Parameters must be floating point.

    Raises FileNotFoundError if ``path`` does not exist and ModelFileError, naming the file and
    the problem, if it is truncated, corrupted, not a backprop file, too large, or holds a module
    type that is not registered (see :func:`register_module`).
    """
    with Archive(path) as archive:
        where = archive.where
        metadata = _read_metadata(archive, (MODEL_FORMAT, CHECKPOINT_FORMAT))
        members = _parameter_members(archive, metadata["parameters"])
        _check_architecture(where, metadata["architecture"], members)
        try:
            model = _rebuild(metadata["architecture"])
        except (ValueError, TypeError, KeyError) as exc:
            raise ModelFileError(f"{where}: cannot rebuild the architecture: {exc}") from exc
        arrays = _read_parameters(archive, metadata, model)
    for name, p in model.named_parameters():
        p.data = parameter_array(arrays[name])  # the file's values and dtype, our layout
    return model


def load_extra(path: StrPath) -> dict[str, Any] | None:
    """The ``extra`` data saved with a model (``save(..., extra=)``) or a checkpoint, or None
    when it has none; only the metadata is read. Raises ModelFileError as :func:`load` does."""
    with Archive(path) as archive:
        return _read_metadata(archive, (MODEL_FORMAT, CHECKPOINT_FORMAT)).get("extra")


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
    with Archive(path) as archive:
        where = archive.where
        metadata = _read_metadata(archive, (CHECKPOINT_FORMAT,))
        _check_same_architecture(where, metadata["architecture"], model)
        arrays = _read_parameters(archive, metadata, model)
        epoch = metadata.get("epoch")
        if isinstance(epoch, bool) or not isinstance(epoch, int):
            raise ModelFileError(f"{where}: metadata field 'epoch' is missing or not an integer")
        info = {"epoch": epoch, "extra": metadata.get("extra")}
        rng_state = info["rng_state"] = metadata.get("rng_state")
        if rng_state is not None and not isinstance(rng_state, dict):
            raise ModelFileError(f"{where}: metadata field 'rng_state' is not an object or null")
        optimizer_state = (
            None if optimizer is None else _read_optimizer(archive, metadata, optimizer)
        )
        best = metadata.get("best", False)
        if not isinstance(best, bool):
            raise ModelFileError(f"{where}: metadata field 'best' is not true or false")
        info["best"] = _read_parameters(archive, metadata, model, BEST_PREFIX) if best else None
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


def check_checkpoint_architecture(path: StrPath, model: Module) -> None:
    """Check, before any training, that the checkpoint at ``path`` was saved from ``model``'s
    architecture, as :func:`load_checkpoint` will; only the metadata is read. Raises
    ModelFileError naming the first difference, and as :func:`load` does for a bad file."""
    _check_module(model, "check_checkpoint_architecture")
    with Archive(path) as archive:
        metadata = _read_metadata(archive, (CHECKPOINT_FORMAT,))
        _check_same_architecture(archive.where, metadata["architecture"], model)


def _check_same_architecture(where: str, saved: Any, model: Module) -> None:
    """Raise ModelFileError naming the first difference between the checkpoint's architecture
    and ``model``'s, e.g. "layer 0 (Linear) out_features is 4 in the checkpoint, 5 here"."""
    here = json.loads(_to_json(model.config()))
    if saved != here:
        raise ModelFileError(
            f"{where}: the checkpoint was saved from a different architecture: "
            f"{_first_difference(saved, here)}"
        )


def _first_difference(saved: Any, here: Any, place: str = "") -> str:
    """Where two architectures (``config()`` as JSON) first differ, in a few words: the layer
    (by its index and type), the field, and both values shortened."""
    if isinstance(saved, dict) and isinstance(here, dict):
        for key in [*saved, *(k for k in here if k not in saved)]:
            if key not in here or key not in saved:
                mine = "missing" if key not in here else _short(here[key])
                theirs = "missing" if key not in saved else _short(saved[key])
                return f"{place}{key} is {theirs} in the checkpoint, {mine} here"
            if saved[key] != here[key]:
                return _first_difference(saved[key], here[key], f"{place}{key} ")
    is_layers = place.endswith("layers ") and isinstance(saved, list) and isinstance(here, list)
    if is_layers and len(saved) == len(here):
        outer = place[: -len("layers ")]
        for i, (a, b) in enumerate(zip(saved, here, strict=True)):
            if a != b:
                kind = f" ({a['type']})" if isinstance(a, dict) and "type" in a else ""
                return _first_difference(a, b, f"{outer}layer {i}{kind} ")
    if is_layers:
        return f"{place}has {len(saved)} modules in the checkpoint, {len(here)} here"
    return f"{place}is {_short(saved)} in the checkpoint, {_short(here)} here"


def _short(value: Any, limit: int = 40) -> str:
    """A value as JSON, cut to ``limit`` characters."""
    text = _to_json(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _read_metadata(archive: Archive, formats: tuple[str, ...]) -> dict[str, Any]:
    """The checked metadata: one of ``formats``, this version, with the model fields."""
    where = archive.where
    if METADATA_MEMBER not in archive:
        raise ModelFileError(f"{where}: no backprop metadata; was it written by backprop.save?")
    member = archive.member(METADATA_MEMBER, "the metadata")
    if member.dtype != np.uint8 or len(member.shape) != 1:
        raise ModelFileError(
            f"{where}: malformed metadata (a {member.dtype} array of shape {member.shape}, "
            f"expected 1-D uint8 UTF-8 JSON)"
        )
    if member.nbytes > MAX_METADATA_BYTES:
        raise ModelFileError(
            f"{where}: the metadata takes {member.nbytes:,} bytes, more than the "
            f"{MAX_METADATA_BYTES:,} backprop reads"
        )
    raw = archive.read(METADATA_MEMBER, "the metadata", member)
    try:
        metadata = json.loads(raw.tobytes().decode("utf-8"))
    except ValueError as exc:  # UnicodeDecodeError and JSONDecodeError
        raise ModelFileError(f"{where}: the metadata is not valid JSON ({exc})") from exc
    except RecursionError:
        raise ModelFileError(
            f"{where}: the metadata is nested too deeply to read (at most {MAX_NESTING} levels)"
        ) from None
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
    extra = metadata.get("extra")
    if extra is not None and not isinstance(extra, dict):
        raise ModelFileError(f"{where}: metadata field 'extra' is not an object or null")
    return metadata


def _parameter_members(archive: Archive, names: list[str], prefix: str = "") -> dict[str, Member]:
    """The checked headers of the parameter members ``prefix + name``; floating point only."""
    members = {}
    for name in names:
        what = f"parameter {prefix + name!r}"
        member = archive.member(prefix + name, what)
        if member.dtype.kind != "f":
            raise ModelFileError(
                f"{archive.where}: {what} is stored as {member.dtype}; parameters must be "
                f"floating point (float16, float32 or float64)"
            )
        members[name] = member
    return members


def _nesting(value: Any) -> int:
    """How deeply JSON ``value`` nests lists and objects (0 for a number or string), counted
    without recursion and stopping once it passes MAX_NESTING."""
    deepest, stack = 0, [(value, 0)]
    while stack and deepest <= MAX_NESTING:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, depth + 1)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def _architecture_parameters(config: Any) -> int | None:
    """The parameters the built-in modules of an architecture would have (Sequential, Linear,
    Network, activations), from the config alone; None if it holds other module types. Raises
    ValueError for a size that is not a positive integer."""
    total, stack = 0, [config]
    while stack:
        item = stack.pop()
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "Sequential" and isinstance(item.get("layers"), list):
            stack.extend(item["layers"])
        elif kind == "Linear":
            n_in = positive_size("Linear", "in_features", item.get("in_features"))
            n_out = positive_size("Linear", "out_features", item.get("out_features"))
            total += n_in * n_out + (n_out if item.get("bias", True) else 0)
        elif kind == "Network":
            total += network_parameters(layer_sizes("Network", item.get("sizes")))
        elif kind not in _PARAMETERLESS:
            return None
    return total


def _check_architecture(where: str, config: Any, members: Mapping[str, Member]) -> None:
    """Before anything is built: the nesting depth, every size, and the parameter count against
    the members the file holds and against the size guard of ``backprop.limits``."""
    if _nesting(config) > MAX_NESTING:
        raise ModelFileError(
            f"{where}: the architecture is nested more than {MAX_NESTING} levels deep"
        )
    try:
        declared = _architecture_parameters(config)
    except ValueError as exc:
        raise ModelFileError(f"{where}: cannot rebuild the architecture: {exc}") from exc
    # A small architecture is built whatever the file holds: the checks after building then
    # name the parameter that does not fit.
    held = sum(member.size for member in members.values())
    if declared is not None and declared > max(held, CHEAP_TO_BUILD):
        raise ModelFileError(
            f"{where}: the architecture has {declared:,} parameters but the file holds only "
            f"{held:,} in {len(members)} arrays"
        )
    itemsize = max((member.dtype.itemsize for member in members.values()), default=4)
    try:
        check_parameters(held if declared is None else declared, itemsize, where)
    except LimitError as exc:
        raise ModelFileError(str(exc)) from exc


def _read_parameters(
    archive: Archive, metadata: dict[str, Any], model: Module, prefix: str = ""
) -> dict[str, np.ndarray]:
    """The file's parameter arrays (members ``prefix + name``), checked against ``model``'s names
    and shapes and the metadata's dtypes before any is read."""
    where = archive.where
    params = dict(model.named_parameters())
    if list(params) != metadata["parameters"]:
        raise ModelFileError(
            f"{where}: the file lists parameters {metadata['parameters']}, but the architecture "
            f"has {list(params)}"
        )
    members = _parameter_members(archive, list(params), prefix)
    for name, p in params.items():
        what, member = f"parameter {prefix + name!r}", members[name]
        if member.shape != p.shape:
            raise ModelFileError(
                f"{where}: {what} has shape {member.shape} in the file but {p.shape} in the "
                f"architecture"
            )
        if str(member.dtype) != metadata["dtypes"].get(name):
            raise ModelFileError(
                f"{where}: {what} is stored as {member.dtype} but the metadata says "
                f"{metadata['dtypes'].get(name)!r}"
            )
    return {
        name: archive.read(prefix + name, f"parameter {prefix + name!r}", members[name])
        for name in params
    }


def _read_optimizer(archive: Archive, metadata: dict[str, Any], optimizer: Any) -> dict[str, Any]:
    """The optimizer state in the checkpoint, as ``optimizer.load_state_dict`` takes it."""
    where = archive.where
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
        buffers[key] = archive.read(OPTIMIZER_PREFIX + key, f"optimizer buffer {key!r}")
    return {**info, "buffers": buffers}
