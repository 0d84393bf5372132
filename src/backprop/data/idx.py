"""The IDX file format of MNIST and Fashion-MNIST, plain or gzip-compressed.

An IDX file starts with a big-endian magic number: two zero bytes, a type code (0x08 uint8,
0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64) and the number of dimensions. One
big-endian uint32 size per dimension follows, then the values in C order, big-endian.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from os import PathLike
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..errors import DataFileError, LimitError
from ..limits import check_memory

_GZIP_MAGIC = b"\x1f\x8b"

#: IDX type code -> big-endian numpy dtype of the stored values.
IDX_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: File names of the MNIST layout (each may also end in ".gz").
MNIST_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)


_CHUNK = 2**20
#: Trailing bytes after the data are counted up to this many, then reported as "more than".
_TRAILING_COUNTED = 2**20


def _read_up_to(stream: BinaryIO, n: int) -> bytearray:
    """Up to ``n`` bytes of ``stream`` (fewer at its end), read in chunks: nothing beyond ``n`` is
    decompressed or allocated."""
    data = bytearray()
    while len(data) < n:
        chunk = stream.read(min(_CHUNK, n - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def read_idx(path: str | PathLike[str]) -> np.ndarray:
    """Read an IDX file (plain, or gzip-compressed -- detected by its first bytes, not its name).

    Returns a native-endian, writable array with the file's dtype and shape. Raises
    FileNotFoundError for a missing file and DataFileError, naming the file, for a bad magic
    number, a truncated file, trailing bytes after the data, or data larger than the memory
    available. A compressed file is decompressed as it is read: the header first, then only as
    many bytes as it declares.
    """
    path = Path(path)
    with open(path, "rb") as file:
        if file.read(2) != _GZIP_MAGIC:
            file.seek(0)
            return _parse(path, file, os.fstat(file.fileno()).st_size)
        file.seek(0)
        try:
            with gzip.GzipFile(fileobj=file) as stream:
                return _parse(path, stream, None)
        except (OSError, EOFError, zlib.error) as exc:
            raise DataFileError(f"{path}: not a gzip file / corrupt gzip stream ({exc})") from exc


def _parse(path: Path, stream: BinaryIO, size: int | None) -> np.ndarray:
    """The IDX array in ``stream``: ``size`` bytes of a plain file, or None for a decompressed
    stream, whose length shows only as it is read."""
    where = " after decompression" if size is None else ""
    head = _read_up_to(stream, 4)
    if len(head) < 4:
        raise DataFileError(
            f"{path}: truncated: an IDX header needs at least 4 bytes, file has {len(head)}{where}"
        )
    magic = int.from_bytes(head, "big")
    type_code, ndim = head[2], head[3]
    if head[:2] != b"\0\0" or type_code not in IDX_DTYPES:
        hint = ""
        if path.suffix == ".gz" and size is not None:
            hint = "; the name ends in .gz but the file is not gzip-compressed either"
        raise DataFileError(
            f"{path}: bad magic number 0x{magic:08X} (expected an IDX file: 0x0000 then a type "
            f"code and a dimension count){hint}"
        )
    header_size = 4 + 4 * ndim
    sizes = _read_up_to(stream, 4 * ndim)
    if len(sizes) < 4 * ndim:
        raise DataFileError(
            f"{path}: truncated: header promises {ndim} dimension sizes ({header_size} header "
            f"bytes), file has {4 + len(sizes)}{where}"
        )
    shape = tuple(int.from_bytes(sizes[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
    dtype = IDX_DTYPES[type_code]
    expected = math.prod(shape) * dtype.itemsize
    if size is not None:
        _check_length(path, expected, size - header_size, where)
    try:
        check_memory(expected, str(path), f"the data its header declares (shape {shape})")
    except LimitError as exc:
        raise DataFileError(str(exc)) from None
    data = _read_up_to(stream, expected)
    if size is None:
        trailing = len(_read_up_to(stream, _TRAILING_COUNTED + 1))
        _check_length(path, expected, len(data) + trailing, where)
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)


def _check_length(path: Path, expected: int, actual: int, where: str) -> None:
    """DataFileError unless the data after the header is exactly the ``expected`` bytes."""
    if actual < expected:
        raise DataFileError(
            f"{path}: truncated: header promises {expected} bytes of data, file has {actual}{where}"
        )
    if actual > expected:
        extra = actual - expected
        count = f"more than {_TRAILING_COUNTED:,}" if extra > _TRAILING_COUNTED else f"{extra}"
        has = f"more than {expected + _TRAILING_COUNTED:,}" if extra > _TRAILING_COUNTED else actual
        raise DataFileError(
            f"{path}: {count} unexpected trailing bytes: header promises {expected} bytes of "
            f"data, file has {has}{where}"
        )


def _find(folder: Path, name: str) -> Path | None:
    """``folder/name`` or ``folder/name.gz``, whichever exists (plain first), else None."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _images_and_labels(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One split: X float32 (n, rows * cols) scaled to [0, 1], y int64 (n,)."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DataFileError(
            f"{images_path}: expected uint8 images of shape (n, rows, cols), "
            f"got {images.dtype} of shape {images.shape}"
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise DataFileError(
            f"{labels_path}: expected {len(images)} labels (one per image in {images_path.name}), "
            f"got an array of shape {labels.shape}"
        )
    X = images.reshape(len(images), -1).astype(np.float32)
    X /= np.float32(255)
    return X, labels.astype(np.int64)


def load_mnist(
    folder: str | PathLike[str],
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load a folder in the MNIST layout (MNIST, Fashion-MNIST, ...).

    The folder holds train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and
    t10k-labels-idx1-ubyte, each optionally gzip-compressed with a ".gz" suffix. Returns
    ``((X_train, y_train), (X_test, y_test))`` with X float32 of shape (n, rows * cols) -- (n, 784)
    for MNIST -- scaled to [0, 1], and y int64.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataFileError(f"{folder}: no such folder (expected the four MNIST IDX files in it)")
    found = {name: _find(folder, name) for name in MNIST_FILES}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        raise DataFileError(
            f"{folder}: missing {', '.join(f'{name}[.gz]' for name in missing)} "
            f"(an MNIST folder holds {', '.join(MNIST_FILES)}, each optionally .gz)"
        )
    paths = [found[name] for name in MNIST_FILES]
    return _images_and_labels(paths[0], paths[1]), _images_and_labels(paths[2], paths[3])
