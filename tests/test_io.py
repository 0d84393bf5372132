"""backprop.io: pickle-free .npz model files and training checkpoints."""

import json
import os
import stat
import zipfile

import numpy as np
import pytest

from backprop import io, optim, rng
from backprop.errors import ModelFileError
from backprop.layered import Network
from backprop.nn import (
    Identity,
    LeakyReLU,
    Linear,
    Module,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
    mlp,
)

# ---------------------------------------------------------------------------------- helpers


def every_activation(dtype="float32"):
    """A Sequential using each activation module once (and a Linear without bias)."""
    return Sequential(
        Linear(4, 5, seed=1, dtype=dtype),
        Step(),
        Linear(5, 5, init="normal", seed=2, dtype=dtype),
        Sigmoid(),
        Linear(5, 5, init="uniform", seed=3, dtype=dtype),
        Tanh(),
        Linear(5, 5, init="he", seed=4, dtype=dtype),
        ReLU(),
        Linear(5, 5, seed=5, dtype=dtype),
        Identity(),
        Linear(5, 5, init="normal_scaled", seed=6, dtype=dtype),
        LeakyReLU(0.2),
        Linear(5, 3, bias=False, seed=7, dtype=dtype),
        Softmax(axis=-1),
    )


def inputs(n_in=4, dtype="float32"):
    return np.random.default_rng(0).standard_normal((16, n_in)).astype(dtype)


def read_members(path):
    """(metadata dict, {name: array}) of a saved file, read without pickle."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {key: npz[key] for key in npz.files}
    metadata = json.loads(arrays.pop("__backprop__").tobytes().decode("utf-8"))
    return metadata, arrays


def write_members(path, metadata, arrays):
    """Write an .npz with the given metadata (dict, or raw array) and arrays, like np.savez."""
    members = dict(arrays)
    if metadata is not None:
        if isinstance(metadata, dict):
            metadata = np.frombuffer(json.dumps(metadata).encode("utf-8"), dtype=np.uint8)
        members["__backprop__"] = metadata
    with open(path, "wb") as f:
        np.savez(f, **members)  # pickles object arrays, as a foreign writer might


def tamper(path, change):
    """Rewrite a saved file after ``change(metadata, arrays)`` edited its contents in place."""
    metadata, arrays = read_members(path)
    change(metadata, arrays)
    write_members(path, metadata, arrays)


def load_error(path):
    with pytest.raises(ModelFileError) as info:
        io.load(path)
    message = str(info.value)
    assert str(path) in message
    return message


@pytest.fixture
def saved(tmp_path):
    """A saved 4-8-3 tanh MLP: (path, model)."""
    model = mlp([4, 8, 3], activation="tanh", seed=0)
    path = tmp_path / "model.npz"
    io.save(model, path)
    return path, model


# ---------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mlp_round_trip_is_bit_identical(tmp_path, dtype):
    model = mlp([4, 8, 3], activation="tanh", seed=0, dtype=dtype)
    path = tmp_path / "mlp.npz"
    io.save(model, path)
    loaded = io.load(path)

    assert loaded.config() == model.config()
    assert [n for n, _ in loaded.named_parameters()] == [n for n, _ in model.named_parameters()]
    for (_, a), (_, b) in zip(model.named_parameters(), loaded.named_parameters(), strict=True):
        assert b.data.dtype == np.dtype(dtype)
        assert np.array_equal(a.data, b.data)
    x = inputs(dtype=dtype)
    expected, got = model(x).data, loaded(x).data
    assert got.dtype == expected.dtype == np.dtype(dtype)
    assert np.array_equal(got, expected)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_every_activation_round_trip(tmp_path, dtype):
    model = every_activation(dtype)
    path = tmp_path / "all.npz"
    io.save(model, str(path))  # str paths too
    loaded = io.load(str(path))

    assert [type(m) for m in loaded] == [type(m) for m in model]
    assert loaded.config() == model.config()
    assert loaded[11].negative_slope == 0.2 and loaded[13].axis == -1
    assert loaded[12].bias is None
    x = inputs(dtype=dtype)
    expected, got = model(x).data, loaded(x).data
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected)


def test_file_is_a_plain_npz_that_numpy_opens_without_pickle(saved):
    path, model = saved
    assert zipfile.is_zipfile(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        assert all(name.endswith(".npy") for name in archive.namelist())
    metadata, arrays = read_members(path)
    assert metadata["format"] == "backprop-model" and metadata["version"] == 1
    assert metadata["architecture"] == model.config()
    assert metadata["parameters"] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert metadata["dtypes"] == dict.fromkeys(metadata["parameters"], "float32")
    for name, p in model.named_parameters():
        assert np.array_equal(arrays[name], p.data) and arrays[name].dtype == p.data.dtype


def test_path_is_used_exactly_as_given(tmp_path):
    model = mlp([2, 3, 1], seed=0)
    io.save(model, tmp_path / "weights")
    assert os.listdir(tmp_path) == ["weights"]  # no ".npz" appended
    assert np.array_equal(
        io.load(tmp_path / "weights")([[1.0, 2.0]]).data, model([[1.0, 2.0]]).data
    )


def test_save_replaces_an_existing_file(saved):
    path, _ = saved
    other = mlp([4, 2, 3], seed=1)
    io.save(other, path)
    assert io.load(path).config() == other.config()
    assert os.listdir(path.parent) == [path.name]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_new_file_gets_the_usual_permissions_not_mkstemps_private_ones(saved):
    path, model = saved
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    path.chmod(0o640)
    io.save(model, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_loading_does_not_draw_from_the_library_generator(saved):
    path, _ = saved
    rng.manual_seed(5)
    before = rng.get_state()
    io.load(path)
    assert rng.get_state() == before


def test_loaded_model_trains_in_place(saved):
    path, _ = saved
    model = io.load(path)
    before = [p.data.copy() for p in model.parameters()]
    opt = optim.SGD(model.parameters(), lr=0.1)
    (model(inputs()) ** 2).mean().backward()
    opt.step()
    assert all(
        not np.array_equal(b, p.data) for b, p in zip(before, model.parameters(), strict=True)
    )


def test_save_rejects_non_modules_and_missing_folders(tmp_path):
    with pytest.raises(TypeError, match="Module"):
        io.save({"weight": np.zeros(3)}, tmp_path / "x.npz")
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError) as info:
        io.save(mlp([2, 1]), missing / "model.npz")
    assert str(missing) in str(info.value)
    assert os.listdir(tmp_path) == []


def test_missing_file_raises_file_not_found_naming_it(tmp_path):
    path = tmp_path / "nothing.npz"
    with pytest.raises(FileNotFoundError) as info:
        io.load(path)
    assert str(path) in str(info.value)


# ---------------------------------------------------------------------------------- damaged files


def test_truncated_files_are_rejected_at_every_length(saved):
    path, _ = saved
    data = path.read_bytes()
    for n in sorted({0, 1, 3, 4, 30, 100, 500, len(data) // 2, len(data) - 100, len(data) - 1}):
        path.write_bytes(data[:n])
        message = load_error(path)
        if n == 0:
            assert "empty file" in message
        elif n < 4:
            assert "not an .npz archive" in message
        else:
            assert "truncated or corrupted" in message, (n, message)


def test_flipped_byte_in_a_parameter_fails_the_crc(saved):
    path, model = saved
    data = bytearray(path.read_bytes())
    # The array's bytes as stored: in memory order (a weight is column-major).
    offset = data.find(model[0].weight.data.tobytes(order="A"))
    assert offset > 0
    data[offset + 5] ^= 0xFF
    path.write_bytes(bytes(data))
    message = load_error(path)
    assert "parameter '0.weight' is truncated or corrupted" in message
    assert "CRC" in message


def test_random_bytes_and_text_files_are_not_npz(tmp_path):
    noise = tmp_path / "noise.npz"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    assert "not a backprop model file (not an .npz archive)" in load_error(noise)
    text = tmp_path / "model.txt"
    text.write_text("layer 1: 4 -> 8\nlayer 2: 8 -> 3\n")
    assert "not a backprop model file (not an .npz archive)" in load_error(text)
    plain_npy = tmp_path / "w.npy"
    np.save(plain_npy, np.zeros(3))
    assert "not an .npz archive" in load_error(plain_npy)


def test_npz_without_metadata(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weight=np.zeros((3, 4)))
    assert "no backprop metadata; was it written by backprop.save?" in load_error(path)


class Canary:
    """Unpickling this records a call: proves the loader never unpickles."""

    def __reduce__(self):
        return UNPICKLED.append, ("unpickled!",)


UNPICKLED: list = []


def test_object_array_is_refused_and_never_unpickled(saved):
    path, _ = saved

    def plant(metadata, arrays):
        arrays["0.weight"] = np.array([Canary()] * 32, dtype=object).reshape(8, 4)

    tamper(path, plant)
    message = load_error(path)
    assert "parameter '0.weight' is a pickled object array" in message
    assert UNPICKLED == []


def test_metadata_that_is_not_json(saved):
    path, _ = saved
    _, arrays = read_members(path)
    write_members(path, np.frombuffer(b'{"format": "backprop-model", ', dtype=np.uint8), arrays)
    assert "the metadata is not valid JSON" in load_error(path)
    write_members(path, np.frombuffer(b"\xff\xfe not utf-8", dtype=np.uint8), arrays)
    assert "the metadata is not valid JSON" in load_error(path)
    write_members(path, np.frombuffer(b"[1, 2]", dtype=np.uint8), arrays)
    assert "the metadata is not a JSON object" in load_error(path)
    write_members(path, np.zeros(3), arrays)
    assert "malformed metadata" in load_error(path)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda m, a: a.__setitem__("0.weight", np.zeros((8, 5), np.float32)),
            "parameter '0.weight' has shape (8, 5) in the file but (8, 4) in the architecture",
        ),
        (lambda m, a: a.pop("2.bias"), "parameter '2.bias' is missing"),
        (
            lambda m, a: a.__setitem__("0.bias", a["0.bias"].astype(np.float64)),
            "parameter '0.bias' is stored as float64 but the metadata says 'float32'",
        ),
        (lambda m, a: m.__setitem__("format", "keras"), "has format 'keras'"),
        (lambda m, a: m.__setitem__("version", 2), "unsupported format version 2"),
        (lambda m, a: m.pop("version"), "unsupported format version None"),
        (lambda m, a: m.__setitem__("parameters", "0.weight"), "'parameters' is not a list"),
        (lambda m, a: m.pop("dtypes"), "'dtypes' is not an object"),
        (lambda m, a: m.pop("architecture"), "'architecture' is missing"),
        (
            lambda m, a: m["parameters"].pop(),
            "the file lists parameters ['0.weight', '0.bias', '2.weight'], but the "
            "architecture has ['0.weight', '0.bias', '2.weight', '2.bias']",
        ),
        (
            lambda m, a: m["architecture"]["layers"][1].__setitem__("type", "Conv2d"),
            "cannot rebuild the architecture: unknown module type 'Conv2d'",
        ),
        (
            lambda m, a: m["architecture"]["layers"][0].__setitem__("in_features", -4),
            "cannot rebuild the architecture: Linear: in_features must be a positive integer",
        ),
        (
            lambda m, a: m["architecture"]["layers"][1].__setitem__("gain", 2),
            "cannot rebuild the architecture",
        ),
        (lambda m, a: m.__setitem__("architecture", [1]), "cannot rebuild the architecture"),
    ],
)
def test_inconsistent_contents_are_named(saved, change, expected):
    path, _ = saved
    tamper(path, change)
    message = load_error(path)
    assert expected in message, message


def test_newer_format_version_asks_for_an_upgrade(saved):
    path, _ = saved
    tamper(path, lambda m, a: m.__setitem__("version", 7))
    assert "upgrade backprop" in load_error(path)


# ---------------------------------------------------------------------------------- registry


class Scale(Module):
    """y = s * x with a learnable vector s (a custom module for the registry tests)."""

    def __init__(self, n):
        super().__init__()
        self.n = n
        self.s = Parameter(np.ones(n, dtype=np.float32))

    def forward(self, x):
        return x * self.s

    def config(self):
        return {"type": "Scale", "n": self.n}


class Residual(Module):
    """x + inner(x): a custom container."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, x):
        return x + self.inner(x)

    def config(self):
        return {"type": "Residual", "inner": self.inner.config()}


@pytest.fixture
def registry(monkeypatch):
    """Registrations made in a test are forgotten after it."""
    monkeypatch.setattr(io, "_REGISTRY", dict(io._REGISTRY))


def test_custom_modules_load_once_registered(tmp_path, registry):
    scale = Scale(3)
    scale.s.data[...] = [1.5, -2.0, 0.25]
    model = Sequential(Linear(3, 3, seed=0), Residual(Sequential(scale, Tanh())))
    path = tmp_path / "custom.npz"
    io.save(model, path)
    assert "unknown module type 'Residual'" in load_error(path)

    assert io.register_module(Scale) is Scale
    io.register_module(Residual, build=lambda args, rebuild: Residual(rebuild(args["inner"])))
    loaded = io.load(path)
    assert isinstance(loaded[1], Residual) and isinstance(loaded[1].inner[0], Scale)
    x = inputs(3)
    assert np.array_equal(loaded(x).data, model(x).data)


def test_register_under_another_name_and_reject_non_modules(tmp_path, registry):
    class Gain(Scale):
        def config(self):
            return {"type": "my.Gain", "n": self.n}

    io.register_module(Gain, name="my.Gain")
    io.save(Gain(2), tmp_path / "g.npz")
    assert type(io.load(tmp_path / "g.npz")) is Gain
    with pytest.raises(TypeError, match="Module subclass"):
        io.register_module(dict)


# ---------------------------------------------------------------------------------- atomicity


def save_model(path, model):
    io.save(model, path)


def save_ckpt(path, model):
    io.save_checkpoint(path, model, epoch=3, extra={"note": "crash test"})


def half_write_then_fail(exc_type):
    """A stand-in for np.lib.format.write_array that crashes half-way through a parameter."""
    real = np.lib.format.write_array

    def write_array(fp, array, *args, **kwargs):
        if array.dtype == np.uint8:  # the metadata: write it completely
            return real(fp, array, *args, **kwargs)
        fp.write(array.tobytes()[: array.nbytes // 2])
        raise exc_type("disk full")

    return write_array


@pytest.mark.parametrize("writer", [save_model, save_ckpt])
@pytest.mark.parametrize("exc_type", [OSError, KeyboardInterrupt])
def test_crash_mid_write_keeps_the_previous_file(saved, monkeypatch, writer, exc_type):
    path, model = saved
    previous = path.read_bytes()
    monkeypatch.setattr(np.lib.format, "write_array", half_write_then_fail(exc_type))
    with pytest.raises(exc_type, match="disk full"):
        writer(path, mlp([4, 5, 3], seed=9))
    assert path.read_bytes() == previous
    assert os.listdir(path.parent) == [path.name]
    monkeypatch.undo()
    assert io.load(path).config() == model.config()


@pytest.mark.parametrize("step", ["fsync", "replace", "chmod"])
def test_crash_at_the_last_moment_keeps_the_previous_file(saved, monkeypatch, step):
    path, _ = saved
    previous = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(f"crash in {step}")

    monkeypatch.setattr(io.os, step, crash)
    with pytest.raises(OSError, match=f"crash in {step}"):
        io.save(mlp([4, 5, 3], seed=9), path)
    monkeypatch.undo()
    assert path.read_bytes() == previous
    assert os.listdir(path.parent) == [path.name]


def test_write_text_is_utf8_and_atomic(tmp_path, monkeypatch):
    path = tmp_path / "history.csv"
    io.write_text(path, "epoch,loss\n1,0.5 (η = 0.1)\n")
    assert path.read_bytes() == "epoch,loss\n1,0.5 (η = 0.1)\n".encode()
    monkeypatch.setattr(io.os, "replace", lambda *args: (_ for _ in ()).throw(OSError("crash")))
    with pytest.raises(OSError, match="crash"):
        io.write_text(path, "something else")
    assert path.read_text() == "epoch,loss\n1,0.5 (η = 0.1)\n"
    assert os.listdir(tmp_path) == [path.name]


def test_crash_with_no_previous_file_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(np.lib.format, "write_array", half_write_then_fail(OSError))
    with pytest.raises(OSError):
        io.save(mlp([4, 5, 3]), tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


def test_unserialisable_metadata_fails_before_writing(saved):
    path, model = saved
    previous = path.read_bytes()
    with pytest.raises(TypeError, match="JSON-serialisable"):
        io.save_checkpoint(path, model, epoch=1, extra={"when": object()})
    assert path.read_bytes() == previous
    assert os.listdir(path.parent) == [path.name]


# ---------------------------------------------------------------------------------- checkpoints


class FakeOptimizer:
    """The optimizer contract of save_checkpoint/load_checkpoint, nothing else."""

    def __init__(self, state=None):
        self.state = state

    def state_dict(self):
        return self.state

    def load_state_dict(self, state):
        self.state = state


def fake_state():
    return {
        "type": "FakeOptimizer",
        "hyper": {"lr": 0.1, "betas": [0.9, 0.999], "nesterov": True, "eps": 1e-8},
        "step": 7,
        "buffers": {
            "0.exp_avg": np.random.default_rng(1).standard_normal((8, 4)),
            "0.step": np.array(7, dtype=np.int64),
            "1.exp_avg": np.random.default_rng(2).standard_normal(8).astype(np.float32),
        },
    }


def test_checkpoint_round_trip_with_a_fake_optimizer(tmp_path):
    model = mlp([4, 8, 3], activation="tanh", seed=0)
    path = tmp_path / "ckpt.npz"
    rng.manual_seed(123)
    rng.get_rng().random(3)
    rng_state = rng.get_state()
    expected_draws = rng.get_rng().random(5)
    extra = {"history": [0.5, 0.1 + 0.2, 1e-300], "best": {"epoch": 2, "acc": 0.875}}
    io.save_checkpoint(
        path, model, FakeOptimizer(fake_state()), epoch=4, rng_state=rng_state, extra=extra
    )

    with zipfile.ZipFile(path) as archive:
        assert "optim/0.exp_avg.npy" in archive.namelist()
    assert read_members(path)[0]["format"] == "backprop-checkpoint"

    fresh = mlp([4, 8, 3], activation="tanh", seed=99)
    arrays_before = [p.data for p in fresh.parameters()]
    opt = FakeOptimizer()
    info = io.load_checkpoint(path, fresh, opt)

    assert info == {"epoch": 4, "rng_state": rng_state, "extra": extra, "best": None}
    assert info["rng_state"]["state"]["state"] > 2**64  # PCG64's 128-bit ints survive JSON
    rng.manual_seed(0)
    rng.set_state(info["rng_state"])
    assert np.array_equal(rng.get_rng().random(5), expected_draws)

    # parameters restored in place: same arrays, the saved values
    assert all(p.data is a for p, a in zip(fresh.parameters(), arrays_before, strict=True))
    for p, q in zip(fresh.parameters(), model.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    x = inputs()
    assert np.array_equal(fresh(x).data, model(x).data)

    want = fake_state()
    assert {k: opt.state[k] for k in ("type", "hyper", "step")} == {
        k: want[k] for k in ("type", "hyper", "step")
    }
    assert opt.state["buffers"].keys() == want["buffers"].keys()
    for key, value in want["buffers"].items():
        got = opt.state["buffers"][key]
        assert got.dtype == value.dtype and got.shape == value.shape
        assert np.array_equal(got, value)


def test_checkpoint_without_optimizer(tmp_path):
    model = mlp([4, 8, 3], seed=0)
    path = tmp_path / "ckpt"
    io.save_checkpoint(path, model, epoch=0)
    other = mlp([4, 8, 3], seed=1)
    expected = {"epoch": 0, "rng_state": None, "extra": None, "best": None}
    assert io.load_checkpoint(path, other) == expected
    assert np.array_equal(other[0].weight.data, model[0].weight.data)
    with pytest.raises(ModelFileError, match="holds no optimizer state") as info:
        io.load_checkpoint(path, other, FakeOptimizer())
    assert str(path) in str(info.value)


def test_checkpoint_argument_checks(tmp_path):
    model = mlp([2, 1])
    with pytest.raises(TypeError):
        io.save_checkpoint(tmp_path / "c", model, epoch="3")
    with pytest.raises(TypeError, match="extra must be a dict"):
        io.save_checkpoint(tmp_path / "c", model, epoch=3, extra=[1])
    state = fake_state()
    state["buffers"]["0.exp_avg"] = np.array([None, 1], dtype=object)
    with pytest.raises(TypeError, match="object array"):
        io.save_checkpoint(tmp_path / "c", model, FakeOptimizer(state), epoch=3)
    assert os.listdir(tmp_path) == []


def test_load_and_load_checkpoint_tell_the_formats_apart(saved, tmp_path):
    path, model = saved
    with pytest.raises(ModelFileError, match="is a model file .* open it with backprop.load"):
        io.load_checkpoint(path, model)
    ckpt = tmp_path / "ckpt.npz"
    io.save_checkpoint(ckpt, model, FakeOptimizer(fake_state()), epoch=1)
    x = inputs()
    assert np.array_equal(io.load(ckpt)(x).data, model(x).data)


def test_checkpoint_into_another_architecture_changes_nothing(tmp_path):
    """The message names the first difference in a few words, not both architectures."""
    path = tmp_path / "ckpt.npz"
    io.save_checkpoint(path, mlp([4, 8, 3], activation="tanh", seed=0), epoch=1)
    differences = {
        'layer 0 (Linear) init is "xavier" in the checkpoint, "he" here': mlp(
            [4, 8, 3], activation="relu", seed=1
        ),
        "layer 0 (Linear) out_features is 8 in the checkpoint, 9 here": mlp(
            [4, 9, 3], activation="tanh", seed=1
        ),
        "layers has 3 modules in the checkpoint, 5 here": mlp([4, 8, 8, 3], activation="tanh"),
        'type is "Sequential" in the checkpoint, "Network" here': Network([4, 8, 3]),
    }
    for difference, other in differences.items():
        before = [p.data.copy() for p in other.parameters()]
        message = f"{path}: the checkpoint was saved from a different architecture: {difference}"
        with pytest.raises(ModelFileError) as info:
            io.load_checkpoint(path, other)
        assert str(info.value) == message
        with pytest.raises(ModelFileError) as info:
            io.check_checkpoint_architecture(path, other)
        assert str(info.value) == message
        assert all(
            np.array_equal(b, p.data) for b, p in zip(before, other.parameters(), strict=True)
        )


def test_damaged_checkpoints_are_named_and_change_nothing(tmp_path):
    model = mlp([4, 8, 3], seed=0)
    path = tmp_path / "ckpt.npz"
    io.save_checkpoint(path, model, FakeOptimizer(fake_state()), epoch=1)
    data = path.read_bytes()
    target = mlp([4, 8, 3], seed=1)
    before = [p.data.copy() for p in target.parameters()]

    cases = [
        (lambda m, a: a.pop("optim/1.exp_avg"), "optimizer buffer '1.exp_avg' is missing"),
        (lambda m, a: m.__setitem__("epoch", "four"), "'epoch' is missing or not an integer"),
        (lambda m, a: m.__setitem__("extra", [1]), "'extra' is not an object or null"),
        (lambda m, a: m["optimizer"].pop("step"), "malformed optimizer metadata"),
        (
            lambda m, a: m["optimizer"].__setitem__("type", "Adam"),
            "holds Adam state, which cannot be loaded into a FakeOptimizer",
        ),
        (
            lambda m, a: a.__setitem__("0.weight", np.zeros((8, 4))),
            "parameter '0.weight' is stored as float64 but the metadata says 'float32'",
        ),
    ]
    for change, expected in cases:
        path.write_bytes(data)
        tamper(path, change)
        opt = FakeOptimizer("untouched")
        with pytest.raises(ModelFileError) as info:
            io.load_checkpoint(path, target, opt)
        assert str(path) in str(info.value) and expected in str(info.value), str(info.value)
        assert opt.state == "untouched"
        assert all(
            np.array_equal(b, p.data) for b, p in zip(before, target.parameters(), strict=True)
        )

    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ModelFileError, match="truncated or corrupted"):
        io.load_checkpoint(path, target)


def test_checkpoint_dtype_must_match_the_model(tmp_path):
    path = tmp_path / "ckpt.npz"
    io.save_checkpoint(path, Scale(3), epoch=0)  # float32; Scale's config has no dtype
    target = Scale(3)
    target.s.data = np.zeros(3)  # float64
    with pytest.raises(ModelFileError, match="'s' is float32 in the checkpoint but float64"):
        io.load_checkpoint(path, target)
    assert np.array_equal(target.s.data, np.zeros(3))


def train_steps(model, opt, n, seed):
    x = np.random.default_rng(seed).standard_normal((8, 4)).astype(np.float32)
    for _ in range(n):
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda params: optim.SGD(params, lr=0.1, momentum=0.9),
        lambda params: optim.Adam(params, lr=0.01, betas=(0.8, 0.99), weight_decay=1e-3),
    ],
    ids=["SGD", "Adam"],
)
def test_resuming_from_a_checkpoint_continues_exactly(tmp_path, make_optimizer):
    model = mlp([4, 8, 3], activation="tanh", seed=0)
    opt = make_optimizer(model.parameters())
    train_steps(model, opt, 3, seed=1)
    path = tmp_path / "ckpt.npz"
    io.save_checkpoint(path, model, opt, epoch=3)
    saved_state = opt.state_dict()
    train_steps(model, opt, 2, seed=2)  # the uninterrupted run

    resumed = mlp([4, 8, 3], activation="tanh", seed=7)
    resumed_opt = make_optimizer(resumed.parameters())
    assert io.load_checkpoint(path, resumed, resumed_opt)["epoch"] == 3
    restored = resumed_opt.state_dict()
    assert restored["hyper"] == saved_state["hyper"] and restored["step"] == 3
    assert restored["buffers"].keys() == saved_state["buffers"].keys()
    for key, value in saved_state["buffers"].items():
        assert restored["buffers"][key].dtype == value.dtype
        assert np.array_equal(restored["buffers"][key], value)

    train_steps(resumed, resumed_opt, 2, seed=2)
    for p, q in zip(resumed.parameters(), model.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)


def test_optimizer_state_that_does_not_fit_is_named(tmp_path):
    model = mlp([4, 8, 3], seed=0)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train_steps(model, opt, 1, seed=1)
    path = tmp_path / "ckpt.npz"
    io.save_checkpoint(path, model, opt, epoch=1)
    tamper(path, lambda m, a: a.__setitem__("optim/0.momentum_buffer", np.zeros((2, 2))))
    target = mlp([4, 8, 3], seed=1)
    before = [p.data.copy() for p in target.parameters()]
    with pytest.raises(ModelFileError, match="cannot restore the optimizer state: .*shape"):
        io.load_checkpoint(path, target, optim.SGD(target.parameters(), lr=0.1, momentum=0.9))
    assert all(np.array_equal(b, p.data) for b, p in zip(before, target.parameters(), strict=True))


def test_module_save_method_and_package_level_functions(tmp_path):
    import backprop as bp

    model = mlp([3, 5, 2], activation="sigmoid")
    model.save(tmp_path / "m.npz")
    loaded = bp.load(tmp_path / "m.npz")
    X = np.random.default_rng(1).random((4, 3), dtype=np.float32)
    np.testing.assert_array_equal(loaded(X).data, model(X).data)
    bp.save(loaded, tmp_path / "again.npz")
    assert (tmp_path / "again.npz").read_bytes()[:2] == b"PK"


# ------------------------------------------------------------------- a second set of weights
def test_checkpoint_keeps_a_second_set_of_weights(tmp_path):
    model = mlp([4, 8, 3], seed=0)
    best = mlp([4, 8, 3], seed=1).state_dict()
    path = tmp_path / "ckpt.npz"
    io.save_checkpoint(path, model, epoch=5, best=best)
    metadata, arrays = read_members(path)
    assert metadata["best"] is True
    assert sorted(k for k in arrays if k.startswith("best/")) == sorted("best/" + k for k in best)
    target = mlp([4, 8, 3], seed=2)
    info = io.load_checkpoint(path, target)
    assert list(info["best"]) == list(best)
    for name, value in best.items():
        assert info["best"][name].dtype == value.dtype
        np.testing.assert_array_equal(info["best"][name], value)
    for name, value in model.state_dict().items():  # the model gets its own weights, not best
        np.testing.assert_array_equal(target.state_dict()[name], value)


def test_a_second_set_of_weights_must_fit_the_model(tmp_path):
    model = mlp([4, 8, 3], seed=0)
    path = tmp_path / "ckpt.npz"
    good = model.state_dict()
    cases = [
        ({k: v for k, v in good.items() if k != "2.bias"}, r"best must hold the model's param"),
        ({**good, "0.weight": np.zeros((8, 5), np.float32)}, r"best\['0.weight'\] is float32 of "
         r"shape \(8, 5\), but the parameter is float32 of shape \(8, 4\)"),
        ({**good, "0.bias": good["0.bias"].astype(np.float64)}, r"best\['0.bias'\] is float64"),
    ]
    for best, message in cases:
        with pytest.raises(ValueError, match=message):
            io.save_checkpoint(path, model, epoch=1, best=best)
        assert not path.exists()


def test_damaged_second_sets_of_weights_are_named(tmp_path):
    model = mlp([4, 8, 3], seed=0)
    path = tmp_path / "ckpt.npz"
    io.save_checkpoint(path, model, epoch=1, best=model.state_dict())
    data = path.read_bytes()
    target = mlp([4, 8, 3], seed=1)
    before = [p.data.copy() for p in target.parameters()]
    cases = [
        (lambda m, a: a.pop("best/2.bias"), "parameter 'best/2.bias' is missing"),
        (
            lambda m, a: a.__setitem__("best/0.weight", np.zeros((8, 5), np.float32)),
            "parameter 'best/0.weight' has shape (8, 5) in the file but (8, 4) in the "
            "architecture",
        ),
        (
            lambda m, a: a.__setitem__("best/0.bias", np.zeros(8)),
            "parameter 'best/0.bias' is stored as float64 but the metadata says 'float32'",
        ),
        (lambda m, a: m.__setitem__("best", "yes"), "'best' is not true or false"),
    ]
    for change, expected in cases:
        path.write_bytes(data)
        tamper(path, change)
        with pytest.raises(ModelFileError) as info:
            io.load_checkpoint(path, target)
        assert str(path) in str(info.value) and expected in str(info.value), str(info.value)
        assert all(
            np.array_equal(b, p.data) for b, p in zip(before, target.parameters(), strict=True)
        )
