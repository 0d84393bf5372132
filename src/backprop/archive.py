"""Reading an ``.npz`` archive that may be damaged or hostile, checking before allocating.

``np.load`` trusts what a file says: a member whose ``.npy`` header declares a huge shape gets
an array of that size before a byte of it is read, and a zip member may inflate to far more than
the file holds. ``Archive`` reads the zip directory and each member's ``.npy`` header first (a
few hundred bytes, never the data) and refuses a member before reading it when

* its declared uncompressed size is more than ``MAX_COMPRESSION_RATIO`` times its compressed
  size (a zip bomb; backprop writes its members uncompressed, a ratio of 1),
* its compressed bytes reach past the end of the file,
* its header's shape and dtype need a different number of bytes than the member holds, or
* it holds Python objects (reading those would mean unpickling).

So reading a member allocates what the file itself holds, no more. Every problem raises
``ModelFileError`` naming the file and the member.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import zipfile
import zlib
from typing import IO

import numpy as np

from .errors import ModelFileError

__all__ = ["MAX_COMPRESSION_RATIO", "Archive", "Member"]

#: A member may declare at most this many times its compressed size (backprop writes 1).
MAX_COMPRESSION_RATIO = 100

# What reading a damaged zip or .npy member can raise.
_DAMAGED = (
    ValueError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
)


class Member:
    """One ``.npy`` member, checked from the zip directory and its header: ``shape``,
    ``dtype`` and ``nbytes`` are what reading it will return."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype, info: zipfile.ZipInfo) -> None:
        self.shape, self.dtype, self.info = shape, dtype, info
        self.size = math.prod(shape)
        self.nbytes = self.size * dtype.itemsize


class Archive:
    """An opened ``.npz`` file of ``.npy`` members, named without ".npy": ``name in archive``,
    ``member(name, what)`` checks one, ``read(name, what)`` reads it. Use as a context manager.

    ``where`` is the path as text, for messages; ``what`` describes a member in them ("parameter
    'layers.0.weight'").
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.where = os.fspath(path)
        try:
            info = os.stat(path)  # before opening: opening a pipe would wait for a writer
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, "no such backprop file", self.where) from None
        if stat.S_ISDIR(info.st_mode):
            raise ModelFileError(f"{self.where}: is a folder, not a backprop model file")
        if not stat.S_ISREG(info.st_mode):
            raise ModelFileError(
                f"{self.where}: is not a regular file (a device, pipe or socket), not a backprop "
                f"model file"
            )
        self.file_size = info.st_size
        self._file: IO[bytes] = open(path, "rb")
        try:
            self._open()
        except BaseException:
            self._file.close()
            raise

    def _open(self) -> None:
        magic = self._file.read(4)
        if not magic:
            raise ModelFileError(f"{self.where}: empty file, not a backprop model file")
        if magic not in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip's first entry / an empty zip
            raise ModelFileError(f"{self.where}: not a backprop model file (not an .npz archive)")
        self._file.seek(0)
        try:
            self._zip = zipfile.ZipFile(self._file)
        except (*_DAMAGED, MemoryError) as exc:
            raise ModelFileError(
                f"{self.where}: truncated or corrupted .npz archive ({type(exc).__name__}: {exc})"
            ) from exc
        self._infos = {
            info.filename[: -len(".npy")]: info
            for info in self._zip.infolist()
            if info.filename.endswith(".npy")
        }

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self._zip.close()
        self._file.close()

    def __contains__(self, name: object) -> bool:
        return name in self._infos

    def member(self, name: str, what: str) -> Member:
        """Member ``name``'s shape and dtype from its header, checked against the zip directory
        (see the module docstring); reads no data."""
        info = self._infos.get(name)
        if info is None:
            raise ModelFileError(f"{self.where}: {what} is missing")
        if info.header_offset + info.compress_size > self.file_size:
            raise ModelFileError(
                f"{self.where}: {what} is truncated: the archive says it takes "
                f"{info.compress_size:,} bytes from offset {info.header_offset:,}, the file has "
                f"{self.file_size:,}"
            )
        if info.file_size > MAX_COMPRESSION_RATIO * info.compress_size:
            raise ModelFileError(
                f"{self.where}: {what} would inflate {info.compress_size:,} bytes to "
                f"{info.file_size:,}, more than {MAX_COMPRESSION_RATIO} times (a zip bomb?); "
                f"backprop writes its members uncompressed"
            )
        try:
            with self._zip.open(info) as stream:
                version = np.lib.format.read_magic(stream)
                read_header = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                shape, _, dtype = read_header(stream)
                header_size = stream.tell()
        except _DAMAGED as exc:
            raise ModelFileError(
                f"{self.where}: {what} is truncated or corrupted ({type(exc).__name__}: {exc})"
            ) from exc
        if dtype.hasobject:
            raise ModelFileError(
                f"{self.where}: {what} is a pickled object array; backprop never writes those "
                f"and refuses to unpickle them"
            )
        if any(n < 0 for n in shape):
            raise ModelFileError(f"{self.where}: {what} declares a negative shape {shape}")
        member = Member(shape, dtype, info)
        if header_size + member.nbytes != info.file_size:
            raise ModelFileError(
                f"{self.where}: {what} declares {dtype} of shape {shape} ({member.nbytes:,} "
                f"bytes), but the archive holds {info.file_size - header_size:,} bytes of data "
                f"for it"
            )
        return member

    def read(self, name: str, what: str, member: Member | None = None) -> np.ndarray:
        """Member ``name`` as an array (checked first with ``member`` unless given)."""
        member = member or self.member(name, what)
        try:
            with self._zip.open(member.info) as stream:
                value = np.lib.format.read_array(stream, allow_pickle=False)
        except _DAMAGED as exc:
            raise ModelFileError(
                f"{self.where}: {what} is truncated or corrupted ({type(exc).__name__}: {exc})"
            ) from exc
        return value
