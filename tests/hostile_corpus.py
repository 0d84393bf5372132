"""The bad-file corpus: damaged and hostile model files and IDX files, generated from a seed.

``write_corpus(folder)`` writes every file and returns {name: path}. The tests send each file
through ``backprop.load``, ``backprop.data.read_idx`` and the command line (one clean error,
never a traceback); ``bench/hostile_files.py`` measures the peak memory of both readers on each.
One home for both, so the benchmark measures exactly the files the tests check.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import backprop as bp

SEED = 0
#: What a zip or gzip bomb inflates to (about 128 KiB on disk at deflate's best ratio).
BOMB_BYTES = 128 * 2**20
#: Cut points of the truncated model, as fractions of its length.
CUTS = (0.0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99, 0.999)


def npy(array: np.ndarray) -> bytes:
    """``array`` as the bytes of a .npy file (pickling object arrays, which backprop refuses)."""
    out = io.BytesIO()
    np.lib.format.write_array(out, array, allow_pickle=True)
    return out.getvalue()


def npy_header(shape: tuple[int, ...], descr: str = "<f4") -> bytes:
    """A version 1.0 .npy header declaring ``shape`` and ``descr``, with no data after it."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape!r}, }}"
    text += " " * ((64 - (10 + len(text) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


def metadata(architecture: Any, names: list[str], dtype: str = "float32") -> bytes:
    """The .npy of a model file's metadata member."""
    text = json.dumps(
        {
            "format": "backprop-model",
            "version": 1,
            "architecture": architecture,
            "parameters": names,
            "dtypes": {name: dtype for name in names},
        }
    )
    return npy(np.frombuffer(text.encode(), dtype=np.uint8))


def npz(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """A zip archive of ``members`` (names without ".npy")."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name + ".npy", data)
    return out.getvalue()


def _deflate_zeros(n: int, wbits: int, prefix: bytes) -> bytes:
    """``prefix`` then ``n`` zero bytes, deflated in chunks (never all in memory)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    parts, chunk = [packer.compress(prefix)], bytes(2**20)
    for _ in range(n // len(chunk)):
        parts.append(packer.compress(chunk))
    return b"".join([*parts, packer.flush()])


def zip_bomb(name: str, prefix: bytes, others: dict[str, bytes], size: int) -> bytes:
    """A zip of ``others`` (stored) and member ``name`` (``prefix`` then zeros, deflated), which
    inflates to ``size`` bytes."""
    out, zero = io.BytesIO(), bytes(2**20)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for other, data in others.items():
            archive.writestr(other + ".npy", data, zipfile.ZIP_STORED)
        with archive.open(name + ".npy", "w", force_zip64=True) as member:
            member.write(prefix)
            for _ in range((size - len(prefix)) // len(zero)):
                member.write(zero)
    return out.getvalue()


def idx_header(type_code: int, shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, type_code, len(shape)]) + b"".join(n.to_bytes(4, "big") for n in shape)


def good_model() -> bytes:
    """The bytes of a small valid model file (what the damaged ones start from)."""
    import tempfile

    model = bp.nn.mlp([4, 8, 3], activation="tanh", seed=SEED)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.npz"
        bp.save(model, path)
        return path.read_bytes()


def _linear(n_in: Any, n_out: Any) -> dict[str, Any]:
    return {"type": "Linear", "in_features": n_in, "out_features": n_out, "bias": True,
            "init": "xavier", "dtype": "float32"}


def _model_with(architecture: Any, arrays: dict[str, bytes], dtype: str = "float32") -> bytes:
    return npz({"__backprop__": metadata(architecture, list(arrays), dtype), **arrays})


def _two_layers(weight: np.ndarray, bias: np.ndarray, dtype: str | None = None) -> bytes:
    """A model file of one Linear(2, 3) whose arrays are ``weight`` and ``bias``; the metadata
    gives them ``dtype`` (by default the weight's own)."""
    architecture = {"type": "Sequential", "layers": [_linear(2, 3)]}
    arrays = {"0.weight": npy(weight), "0.bias": npy(bias)}
    return _model_with(architecture, arrays, dtype or str(weight.dtype))


def corpus(bomb: int = BOMB_BYTES) -> dict[str, Callable[[], bytes]]:
    """Every corpus file: name -> a function making its bytes; the bombs inflate to ``bomb``
    bytes (a multiple of 1 MiB)."""
    rng = np.random.default_rng(SEED)
    good = good_model()
    files: dict[str, Callable[[], bytes]] = {}
    for fraction in CUTS:
        cut = int(len(good) * fraction)
        files[f"model-cut-{cut}"] = lambda cut=cut: good[:cut]
    data_start = good.index(b"\x93NUMPY", good.index(b"0.weight"))
    for position in sorted(rng.integers(data_start + 128, len(good) // 2, 4)) + [0, 2, 30]:
        flipped = bytearray(good)
        flipped[position] ^= 0xFF
        files[f"model-flip-{position}"] = lambda flipped=flipped: bytes(flipped)
    noise = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    files["random-bytes"] = lambda: noise
    files["random-after-zip-magic"] = lambda: b"PK\x03\x04" + noise
    files["foreign-zip"] = lambda: npz({"hello": b"not an array"})
    files["empty-zip"] = lambda: npz({})
    files["empty-file"] = lambda: b""
    files["text-file"] = lambda: b"this is not a model\n" * 50

    w, b = np.ones((3, 2), np.float32), np.zeros(3, np.float32)
    files["object-array"] = lambda: _two_layers(np.array([[print] * 2] * 3, dtype=object), b)
    files["int32-parameters"] = lambda: _two_layers(w.astype(np.int32), b.astype(np.int32))
    files["bool-parameters"] = lambda: _two_layers(w.astype(bool), b.astype(bool))
    files["complex-parameters"] = lambda: _two_layers(w + 1j, b + 0j)
    files["shape-disagrees"] = lambda: _two_layers(np.ones((2, 3), np.float32), b)
    files["dtype-disagrees"] = lambda: _two_layers(
        w.astype(np.float64), b.astype(np.float64), "float32"
    )

    small = {"0.weight": npy(w), "0.bias": npy(b)}
    for label, n_in, n_out in (
        ("absurd-linear", 10**9, 10**9),
        ("huge-linear", 20000, 20000),
        ("negative-linear", -3, 2),
        ("fractional-linear", 2.5, 3),
    ):
        architecture = {"type": "Sequential", "layers": [_linear(n_in, n_out)]}
        files[label] = lambda a=architecture: _model_with(a, small)
    for label, sizes in (("absurd-network", [2, 10**12, 2]), ("negative-network", [2, -5, 3])):
        architecture = {"type": "Network", "sizes": sizes, "activation": "sigmoid",
                        "output": "sigmoid", "cost": "quadratic", "init": "normal_scaled",
                        "dtype": "float32"}
        files[label] = lambda a=architecture: _model_with(a, {"1.weight": npy(w)})
    deep = {"type": "Sequential", "layers": [_linear(2, 3)]}
    for _ in range(200):
        deep = {"type": "Sequential", "layers": [deep]}
    files["deep-sequential"] = lambda: _model_with(deep, small)
    files["deep-json"] = lambda: npz({
        "__backprop__": npy(np.frombuffer(b"[" * 100_000 + b"]" * 100_000, dtype=np.uint8)),
        **small,
    })
    files["header-declares-2**40-floats"] = lambda: _model_with(
        {"type": "Sequential", "layers": [_linear(2, 3)]},
        {"0.weight": npy_header((2**40,)), "0.bias": npy(b)},
    )
    files["header-declares-negative-shape"] = lambda: _model_with(
        {"type": "Sequential", "layers": [_linear(2, 3)]},
        {"0.weight": npy_header((-6,)) + bytes(24), "0.bias": npy(b)},
    )
    bombed = ((bomb - 128) // 4,)
    files["zip-bomb-parameter"] = lambda: zip_bomb(
        "0.weight",
        npy_header(bombed),
        {"__backprop__": metadata({"type": "Linear", **_linear(1, bombed[0])}, ["0.weight"])},
        bomb,
    )
    files["zip-bomb-metadata"] = lambda: zip_bomb(
        "__backprop__", npy_header((bomb - 128,), "|u1"), {}, bomb
    )

    # IDX files
    files["idx-bad-magic"] = lambda: b"\x12\x34\x56\x78" + bytes(64)
    files["idx-bad-magic-gzip-bomb"] = lambda: _deflate_zeros(bomb, 31, b"\x12\x34\x56\x78")
    files["idx-huge-dims"] = lambda: idx_header(0x08, (2**32 - 1,) * 3) + bytes(64)
    files["idx-huge-dims-gzip"] = lambda: gzip.compress(idx_header(0x0D, (2**32 - 1,) * 3))
    files["idx-trailing-gzip-bomb"] = lambda: _deflate_zeros(
        bomb, 31, idx_header(0x08, (10,)) + bytes(10)
    )
    files["idx-truncated-gzip"] = lambda: gzip.compress(
        idx_header(0x08, (100, 28, 28)) + bytes(500)
    )[:-12]
    files["idx-header-cut"] = lambda: idx_header(0x08, (100, 28, 28))[:9]
    files["idx-255-dims"] = lambda: bytes([0, 0, 0x08, 255]) + bytes(40)
    return files


def write_corpus(folder: Path, bomb: int = BOMB_BYTES) -> dict[str, Path]:
    """Write every corpus file into ``folder``; returns {name: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, make in corpus(bomb).items():
        paths[name] = folder / name
        paths[name].write_bytes(make())
    return paths
