"""Every mistake is one line, and no file can take the machine down (issue 10).

The bad-file corpus (``hostile_corpus``) goes through ``load``, the IDX reader and the command
line; each case of the issue is checked by its message and exit code; each threshold (the size
guard's cap and memory check, the zip ratio, the nesting and expression limits, the orphan
check of atomic saves) is pinned from both sides.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import backprop as bp
from backprop import archive, cli, limits
from backprop import io as bpio
from backprop.data import read_idx
from backprop.errors import LimitError
from backprop.expression import evaluate_expression
from hostile_corpus import corpus, metadata, npy, npz, write_corpus

MiB = 2**20
NAMES = list(corpus())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("corpus"))


def one_line_error(capsys, argv):
    """Run the command in-process; its exit code and its one stderr line."""
    code = cli.main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("\n") == 1, err
    return code, err.strip()


# ------------------------------------------------------------------------ the corpus
#: What load says about each corpus file (a fragment of the message after the path).
LOAD_MESSAGES = {
    "model-cut-0": "empty file, not a backprop model file",
    "model-flip-0": "not a backprop model file (not an .npz archive)",
    "model-flip-30": "the metadata is truncated or corrupted",
    "random-bytes": "not a backprop model file (not an .npz archive)",
    "random-after-zip-magic": "truncated or corrupted .npz archive",
    "foreign-zip": "no backprop metadata",
    "empty-zip": "no backprop metadata",
    "object-array": "parameter '0.weight' is a pickled object array",
    "int32-parameters": "parameter '0.weight' is stored as int32; parameters must be floating",
    "bool-parameters": "parameter '0.weight' is stored as bool; parameters must be floating",
    "complex-parameters": "parameter '0.weight' is stored as complex64; parameters must be",
    "shape-disagrees": "parameter '0.weight' has shape (2, 3) in the file but (3, 2) in the",
    "dtype-disagrees": "parameter '0.weight' is stored as float64 but the metadata says",
    "absurd-linear": "the architecture has 1,000,000,001,000,000,000 parameters but the file "
    "holds only 9 in 2 arrays",
    "huge-linear": "the architecture has 400,020,000 parameters but the file holds only 9",
    "negative-linear": "Linear: in_features must be a positive integer, got -3",
    "fractional-linear": "Linear: in_features must be a positive integer, got 2.5",
    "absurd-network": "the architecture has 5,000,000,000,002 parameters",
    "negative-network": "Network: layer sizes must be positive integers, got -5 at position 1",
    "deep-sequential": "the architecture is nested more than 64 levels deep",
    "deep-json": "the metadata is nested too deeply to read",
    "header-declares-2**40-floats": "parameter '0.weight' declares float32 of shape "
    "(1099511627776,) (4,398,046,511,104 bytes), but the archive holds 0 bytes",
    "header-declares-negative-shape": "parameter '0.weight' declares a negative shape (-6,)",
    "zip-bomb-parameter": "parameter '0.weight' would inflate 129,530 bytes to 133,169,280, "
    "more than 100 times (a zip bomb?)",
    "zip-bomb-metadata": "the metadata would inflate",
}

#: What the IDX reader says about the IDX files of the corpus.
IDX_MESSAGES = {
    "idx-bad-magic": "bad magic number 0x12345678",
    "idx-bad-magic-gzip-bomb": "bad magic number 0x12345678",
    "idx-huge-dims": "truncated: header promises 79228162458924105385300197375 bytes of data, "
    "file has 64",
    "idx-huge-dims-gzip": "the data its header declares (shape (4294967295, 4294967295, "
    "4294967295)) would take",
    "idx-trailing-gzip-bomb": "more than 1,048,576 unexpected trailing bytes: header promises "
    "10 bytes of data, file has more than 1,048,586 after decompression",
    "idx-truncated-gzip": "not a gzip file / corrupt gzip stream",
    "idx-header-cut": "truncated: header promises 3 dimension sizes (16 header bytes), file has 9",
    "idx-255-dims": "truncated: header promises 255 dimension sizes (1024 header bytes), file "
    "has 44",
    "random-bytes": "bad magic number 0xB8E8CD4E",
    "empty-file": "truncated: an IDX header needs at least 4 bytes, file has 0",
}


def test_the_corpus_has_every_kind_of_bad_file():
    kinds = ("model-cut-", "model-flip-", "random", "foreign-zip", "empty-zip", "object",
             "negative", "absurd", "deep-json", "disagrees", "zip-bomb", "idx-huge", "bad-magic")
    for kind in kinds:
        assert any(kind in name for name in NAMES), kind
    assert sum(name.startswith("model-cut-") for name in NAMES) >= 10


@pytest.mark.parametrize("name", NAMES)
def test_load_gives_one_clean_error_for_every_corpus_file(files, name):
    path = files[name]
    with pytest.raises(bp.ModelFileError) as info:
        bp.load(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    if name in LOAD_MESSAGES:
        assert LOAD_MESSAGES[name] in message, message
    elif name.startswith(("model-cut-", "model-flip-")):
        assert re.search(r"truncated|corrupted|not a backprop model file|empty file", message)


@pytest.mark.parametrize("name", NAMES)
def test_the_idx_reader_gives_one_clean_error_for_every_corpus_file(files, name):
    path = files[name]
    with pytest.raises(bp.DataFileError) as info:
        read_idx(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    if name in IDX_MESSAGES:
        assert IDX_MESSAGES[name] in message, message


@pytest.fixture(scope="module")
def idx_folder(tmp_path_factory):
    """An MNIST folder whose other three files are fine (train images come from the corpus)."""
    folder = tmp_path_factory.mktemp("mnist")
    images = bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]) + bytes(784)
    labels = bytes([0, 0, 8, 1, 0, 0, 0, 1, 0])
    (folder / "train-labels-idx1-ubyte").write_bytes(labels)
    (folder / "t10k-images-idx3-ubyte").write_bytes(images)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(labels)
    return folder


@pytest.mark.parametrize("name", NAMES)
def test_the_command_line_gives_one_line_and_code_2_for_every_corpus_file(
    files, name, idx_folder, capsys, tmp_path
):
    path = files[name]
    code, line = one_line_error(capsys, ["evaluate", str(path), "--data", "xor"])
    assert code == 2 and line.startswith(f"backprop: error: {path}: "), line
    images = idx_folder / "train-images-idx3-ubyte"
    images.unlink(missing_ok=True)
    images.symlink_to(path)
    argv = ["train", "--data", f"idx:{idx_folder}", "--out", str(tmp_path / "run")]
    code, line = one_line_error(capsys, argv)
    assert code == 2 and line.startswith(f"backprop: error: {images}: "), line


# ------------------------------------------------------------------------ load's thresholds
def model_file(tmp_path, architecture, arrays, compression=zipfile.ZIP_STORED):
    path = tmp_path / "model.npz"
    members = {"__backprop__": metadata(architecture, list(arrays)), **arrays}
    path.write_bytes(npz({k: npy(v) if isinstance(v, np.ndarray) else v
                          for k, v in members.items()}, compression))
    return path


def linear(n_in, n_out):
    return {"type": "Linear", "in_features": n_in, "out_features": n_out, "bias": True,
            "init": "xavier", "dtype": "float32"}


def test_compressed_members_load_unless_they_inflate_more_than_the_ratio(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"weight": rng.normal(size=(30, 20)).astype(np.float32),
              "bias": rng.normal(size=30).astype(np.float32)}
    path = model_file(tmp_path, linear(20, 30), arrays, zipfile.ZIP_DEFLATED)
    assert np.array_equal(bp.load(path).weight.data, arrays["weight"])
    zeros = {"weight": np.zeros((300, 200), np.float32), "bias": np.zeros(300, np.float32)}
    path = model_file(tmp_path, linear(200, 300), zeros, zipfile.ZIP_DEFLATED)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("weight.npy")
    assert info.file_size > archive.MAX_COMPRESSION_RATIO * info.compress_size
    with pytest.raises(bp.ModelFileError, match="more than 100 times"):
        bp.load(path)


def test_a_member_reaching_past_the_end_of_the_file_is_refused(tmp_path):
    path = model_file(tmp_path, linear(2, 3), {"weight": np.ones((3, 2), np.float32),
                                               "bias": np.ones(3, np.float32)})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("bias.npy")
    central = data.rindex(b"PK\x01\x02")  # the last member's central directory entry
    assert data[central + 46:central + 46 + len(b"bias.npy")] == b"bias.npy"
    data[central + 20:central + 24] = (10**6).to_bytes(4, "little")  # its compressed size
    path.write_bytes(bytes(data))
    with pytest.raises(bp.ModelFileError) as exc:
        bp.load(path)
    assert f"parameter 'bias' is truncated: the archive says it takes 1,000,000 bytes from " \
        f"offset {info.header_offset:,}" in str(exc.value)


def nested(levels):
    config = linear(2, 3)
    for _ in range(levels):
        config = {"type": "Sequential", "layers": [config]}
    return config


def test_nesting_up_to_the_limit_loads_and_one_level_more_is_refused(tmp_path):
    # k Sequentials around a Linear nest 2k + 1 levels of JSON.
    assert bpio.MAX_NESTING == 64
    weights = {"0." * 31 + "weight": np.ones((3, 2), np.float32),
               "0." * 31 + "bias": np.ones(3, np.float32)}
    model = bp.load(model_file(tmp_path, nested(31), weights))
    assert model.num_parameters() == 9
    deeper = {"0." + k: v for k, v in weights.items()}
    with pytest.raises(bp.ModelFileError, match="nested more than 64 levels deep"):
        bp.load(model_file(tmp_path, nested(32), deeper))


def test_small_architectures_are_built_to_name_the_parameter_large_ones_are_not(tmp_path):
    assert bpio.CHEAP_TO_BUILD == 2**20
    small = {"weight": np.ones((3, 2), np.float32), "bias": np.ones(3, np.float32)}
    # 1024 * 1023 + 1023 = 2**20 - 1 parameters: built, then the shape is named.
    with pytest.raises(bp.ModelFileError, match=r"parameter 'weight' has shape \(3, 2\) in the "
                       r"file but \(1023, 1024\)"):
        bp.load(model_file(tmp_path, linear(1024, 1023), small))
    # 1024 * 1024 + 1024 parameters: refused before building.
    with pytest.raises(bp.ModelFileError, match="the architecture has 1,049,600 parameters but "
                       "the file holds only 9 in 2 arrays"):
        bp.load(model_file(tmp_path, linear(1024, 1024), small))


def test_metadata_larger_than_the_limit_is_not_read(tmp_path):
    path = tmp_path / "model.npz"
    path.write_bytes(npz({"__backprop__": npy(np.zeros(bpio.MAX_METADATA_BYTES + 1, np.uint8))}))
    with pytest.raises(bp.ModelFileError, match="the metadata takes 16,777,217 bytes, more than "
                       "the 16,777,216 backprop reads"):
        bp.load(path)


def test_load_applies_the_size_guard_to_what_the_file_holds(tmp_path, monkeypatch):
    arrays = {"weight": np.ones((300, 200), np.float32), "bias": np.ones(300, np.float32)}
    path = model_file(tmp_path, linear(200, 300), arrays)
    monkeypatch.setattr(limits, "MAX_PARAMETERS", 60_300)
    assert bp.load(path).num_parameters() == 60_300
    monkeypatch.setattr(limits, "MAX_PARAMETERS", 60_299)
    with pytest.raises(bp.ModelFileError, match=f"{re.escape(str(path))}: 60,300 parameters is "
                       "more than the cap of 60,299"):
        bp.load(path)


def test_folders_and_special_files_are_not_model_files(tmp_path):
    with pytest.raises(bp.ModelFileError, match="is a folder, not a backprop model file"):
        bp.load(tmp_path)
    with pytest.raises(bp.ModelFileError, match="is not a regular file"):
        bp.load("/dev/null")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(bp.ModelFileError, match="is not a regular file"):
        bp.load(fifo)  # refused without opening it, which would wait for a writer


# ------------------------------------------------------------------------ the size guard
def test_the_cap_is_documented_and_enforced_from_both_sides(monkeypatch):
    assert limits.MAX_PARAMETERS == 2**30
    monkeypatch.setattr(limits, "available_memory", lambda: 2**50)
    limits.check_parameters(2**30, 4, "net")
    with pytest.raises(LimitError, match=r"^net: 1,073,741,825 parameters is more than the cap "
                       r"of 1,073,741,824 \(backprop.limits.MAX_PARAMETERS\)$"):
        limits.check_parameters(2**30 + 1, 4, "net")


def test_networks_beyond_the_available_memory_are_refused_before_allocating(monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 3 * MiB)
    assert bp.nn.mlp([1000, 700]).num_parameters() == 700_700  # 2.7 MiB of float32
    expected = "1,001,000 parameters would take 4 MiB, but only 3 MiB of memory is available"
    with pytest.raises(LimitError, match=f"^mlp: {expected}$"):
        bp.nn.mlp([1000, 1000])
    with pytest.raises(LimitError, match=re.escape(f"Linear(1000, 1000): {expected}")):
        bp.nn.Linear(1000, 1000)
    with pytest.raises(LimitError, match=f"^Network: {expected}$"):
        bp.layered.Network([1000, 1000])


def test_available_memory_comes_from_the_operating_system(monkeypatch):
    with open("/proc/meminfo") as f:
        fields = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f}
    available = limits.available_memory()
    assert 0 < available <= fields["MemTotal"]
    assert abs(available - fields["MemAvailable"]) < 256 * MiB

    def no_proc(*args, **kwargs):
        raise OSError("no /proc here")

    monkeypatch.setattr(limits, "open", no_proc, raising=False)
    pages = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert abs(limits.available_memory() - pages) < 256 * MiB


def test_the_idx_reader_refuses_compressed_data_beyond_the_available_memory(
    tmp_path, monkeypatch
):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0x40, 0, 0]) + bytes(0x400000)))
    assert read_idx(path).shape == (0x400000,)
    monkeypatch.setattr(limits, "available_memory", lambda: 3 * MiB)
    with pytest.raises(bp.DataFileError, match=r"the data its header declares \(shape "
                       r"\(4194304,\)\) would take 4 MiB, but only 3 MiB"):
        read_idx(path)


# ------------------------------------------------------------------------ atomic saves
def test_a_save_names_its_temporary_after_its_process(tmp_path, monkeypatch):
    seen = []
    replace = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (seen.append(Path(a).name), replace(a, b)))
    bp.save(bp.nn.Linear(2, 3), tmp_path / "model.npz")
    assert re.fullmatch(rf"\.model\.npz\.{os.getpid()}\.[a-z0-9_]{{8}}\.tmp", seen[0])


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_save_removes_the_orphans_of_killed_saves_and_nothing_else(tmp_path):
    dead, alive, me = dead_pid(), os.getppid(), os.getpid()
    orphan = tmp_path / f".model.npz.{dead}.abcd_123.tmp"
    kept = [
        tmp_path / f".model.npz.{alive}.abcd_123.tmp",  # its writer is still running
        tmp_path / f".model.npz.{me}.abcd_123.tmp",  # our own, e.g. another thread's
        tmp_path / f".other.npz.{dead}.abcd_123.tmp",  # another target's
        tmp_path / f".model.npz.{dead}.abcd.tmp",  # not our pattern
        tmp_path / f"model.npz.{dead}.abcd_123.tmp",
        tmp_path / f".model.npz.{dead}.abcd_123.tmp.bak",
    ]
    for path in (orphan, *kept):
        path.write_bytes(b"half a model")
    (tmp_path / f".model.npz.{dead}.folder_1.tmp").mkdir()  # not a file: kept
    bp.save(bp.nn.Linear(2, 3), tmp_path / "model.npz")
    assert not orphan.exists()
    assert all(path.exists() for path in kept)
    assert (tmp_path / f".model.npz.{dead}.folder_1.tmp").is_dir()
    assert bp.load(tmp_path / "model.npz").num_parameters() == 9


def test_killed_saves_leave_nothing_behind_after_the_next_save(tmp_path):
    script = (
        "import os, sys, backprop as bp\n"
        "bp.io.os.replace = lambda a, b: os.kill(os.getpid(), 9)\n"  # die just before renaming
        "bp.save(bp.nn.Linear(50, 50), sys.argv[1])\n"
    )
    target = tmp_path / "model.npz"
    for _ in range(3):
        subprocess.run([sys.executable, "-c", script, str(target)], check=False)
    # each killed save removed the one before it, and left its own
    assert len(list(tmp_path.glob(".model.npz.*.tmp"))) == 1
    bp.save(bp.nn.Linear(2, 3), target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]


# ------------------------------------------------------------------------ the command line
def test_out_naming_a_file_is_one_line(capsys, tmp_path):
    file = tmp_path / "taken"
    file.write_text("mine")
    for argv in (["train", "--data", "xor", "--out", str(file)],
                 ["demo", "graph", "--out", str(file)]):
        code, line = one_line_error(capsys, argv)
        assert (code, line) == (
            2, f"backprop: error: --out {file} is a file; it must name a folder (created if "
               "missing)")
    assert file.read_text() == "mine"


def test_evaluate_and_gradcheck_refuse_folders_and_special_files(capsys, tmp_path):
    for command in ("evaluate", "gradcheck"):
        code, line = one_line_error(capsys, [command, str(tmp_path), "--data", "xor"])
        assert (code, line) == (
            2, f"backprop: error: {tmp_path}: is a folder, not a backprop model file")
        code, line = one_line_error(capsys, [command, "/dev/zero", "--data", "xor"])
        assert code == 2 and line.startswith("backprop: error: /dev/zero: is not a regular file")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("1/0", "cannot evaluate expression '1/0': division by zero (float division by zero)"),
        ("10.0**400", "cannot evaluate expression '10.0**400': a value overflows"),
        ("+".join(["x"] * 30_000), "expression too large: 59,999 characters; explain takes at "
         "most 10,000"),
        ("+" * 3000 + "x", "expression too large: nested deeper than Python can parse"),
    ],
)
def test_explain_names_what_it_cannot_compute(capsys, expression, message):
    code, line = one_line_error(capsys, ["explain", expression, "--values", "x=1"])
    assert code == 2 and line.startswith(f"backprop: error: {message}"), line


def test_expression_limits_hold_from_both_sides():
    group = "(" + "+".join(["x"] * 10) + ")"  # 19 parts
    flat = "+".join([group] * 50)  # 50 * 19 + 49 = 999 parts
    evaluate_expression(f"-({flat})", {"x": 1.0})  # 1,000 parts
    with pytest.raises(LimitError, match="1,001 parts nested 61 deep; explain takes at most "
                       "1,000 parts nested 200 deep"):
        evaluate_expression(f"-(-({flat}))", {"x": 1.0})
    assert evaluate_expression("-" * 199 + "x", {"x": 1.0}).data == -1.0  # 200 deep
    with pytest.raises(LimitError, match="201 parts nested 201 deep"):
        evaluate_expression("-" * 200 + "x", {"x": 1.0})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--data", "xor", "--layers", "2,99999999999,2"],
         "--layers 2,99999999999,2: 499,999,999,997 parameters is more than the cap of "
         "1,073,741,824 (backprop.limits.MAX_PARAMETERS)"),
        (["explain", "--network", "100000,100000,1"],
         "--network 100000,100000,1: 10,000,200,001 parameters is more than the cap of "
         "1,073,741,824 (backprop.limits.MAX_PARAMETERS)"),
        (["demo", "--data", "moons"],
         "the mnist demo (it draws the pictures it learns from) needs a dataset of images, and "
         "'moons' holds points, not images; use one of digits, mnist-5k, fashion-mnist or "
         "idx:FOLDER"),
    ],
)
def test_usage_mistakes_are_one_line_before_any_work(capsys, tmp_path, argv, message):
    code, line = one_line_error(capsys, [*argv, *(["--out", str(tmp_path)] if argv[0] != "explain"
                                                  else [])])
    assert (code, line) == (2, f"backprop: error: {message}")
    assert list(tmp_path.iterdir()) == []  # nothing trained or written


def test_networks_beyond_the_memory_are_refused_on_the_command_line(capsys, monkeypatch):
    monkeypatch.setattr(limits, "available_memory", lambda: 3 * MiB)
    code, line = one_line_error(capsys, ["explain", "--network", "700,700,1"])
    assert (code, line) == (
        2, "backprop: error: --network 700,700,1: 491,401 parameters would take 4 MiB, but only "
           "3 MiB of memory is available")


def test_a_negative_seed_is_explained(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["train", "--data", "xor", "--seed", "-1"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == (
        "backprop train: error: argument --seed: a seed must be a whole number 0 or larger (it "
        "numbers a random sequence), got '-1' (see backprop train --help)\n")


def test_the_command_itself_prints_no_traceback_for_a_deep_expression():
    result = subprocess.run(
        [sys.executable, "-m", "backprop", "explain", "+" * 3000 + "x", "--values", "x=1"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr == ("backprop: error: expression too large: nested deeper than Python "
                             "can parse; explain takes at most 200 levels\n")


# ------------------------------------------------------------------------ the library
X = np.random.default_rng(0).normal(size=(10, 2)).astype(np.float32)
Y = np.arange(10) % 2


def sgd(model):
    return bp.optim.SGD(model.parameters(), lr=0.1)


def test_fit_takes_optimizer_names_with_lr():
    model = bp.nn.mlp([2, 3, 2], seed=0)
    reference = bp.nn.mlp([2, 3, 2], seed=0)
    bp.fit(model, X, Y, loss="cross_entropy", optimizer="sgd", lr=0.1, epochs=2, seed=0)
    bp.fit(reference, X, Y, loss="cross_entropy", optimizer=sgd(reference), epochs=2, seed=0)
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        assert np.array_equal(p.data, q.data)
    adam = bp.nn.mlp([2, 3, 2], seed=0)
    bp.fit(adam, X, Y, loss="cross_entropy", optimizer="adam", epochs=1)  # Adam's default lr


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"optimizer": "sgd"}, ValueError,
         "fit: optimizer 'sgd' needs a learning rate: pass lr=, e.g. lr=0.1"),
        ({"optimizer": "rmsprop", "lr": 0.1}, ValueError,
         "fit: unknown optimizer 'rmsprop'; choose one of sgd, adam"),
        ({"optimizer": 3}, TypeError, "fit: optimizer must be a backprop optimizer"),
        ({"optimizer": "OPT", "lr": 0.1}, ValueError,
         "fit: lr= goes with an optimizer given by name"),
    ],
)
def test_fit_names_optimizer_mistakes(kwargs, error, message):
    model = bp.nn.mlp([2, 3, 2], seed=0)
    if kwargs["optimizer"] == "OPT":
        kwargs = {**kwargs, "optimizer": sgd(model)}
    with pytest.raises(error) as info:
        bp.fit(model, X, Y, loss="cross_entropy", epochs=1, **kwargs)
    assert str(info.value).startswith(message)


def test_fit_names_a_single_target_and_takes_numpy_integers():
    model = bp.nn.mlp([2, 3, 2], seed=0)
    with pytest.raises(ValueError, match=r"^fit: y must hold one target per example \(10 of "
                       r"them\), got the single value 1$"):
        bp.fit(model, X, 1, loss="cross_entropy", optimizer=sgd(model), epochs=1)
    history = bp.fit(model, X, Y, loss="cross_entropy", optimizer=sgd(model),
                     epochs=np.int64(2), batch_size=np.int64(5), patience=None)
    assert history.epochs_run == 2 and history.steps_in_last_epoch == 2
    with pytest.raises(ValueError, match="batch_size must be a positive integer or None, got "
                       "True"):
        bp.fit(model, X, Y, loss="cross_entropy", optimizer=sgd(model), epochs=1,
               batch_size=True)


@pytest.mark.parametrize(
    ("operation", "error", "message"),
    [
        (lambda t: t.sum(axis=5), ValueError, "sum: axis 5 is not valid for a tensor of shape "
         "(2, 3) (2 axes; expected distinct axes"),
        (lambda t: t.mean(axis=(0, -2)), ValueError, "mean: axis (0, -2) is not valid"),
        (lambda t: t.max(axis=-3), ValueError, "max: axis -3 is not valid"),
        (lambda t: t.transpose(0, 0), ValueError, "transpose: axis (0, 0) is not valid for a "
         "tensor of shape (2, 3) (2 axes; expected a permutation of 0..1"),
        (lambda t: t.transpose(0, 1, 2), ValueError, "transpose: axis (0, 1, 2) is not valid"),
        (lambda t: t[5], IndexError, "getitem: index 5 does not fit shape (2, 3): index 5 is "
         "out of bounds for axis 0 with size 2"),
    ],
)
def test_tensor_operations_name_themselves(operation, error, message):
    t = bp.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(error) as info:
        operation(t)
    assert str(info.value).startswith(message)


def test_valid_axes_still_work():
    t = bp.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert t.sum(axis=-1).data.tolist() == [3.0, 12.0]
    assert t.transpose(-1, 0).shape == (3, 2)
    assert [row.data.tolist() for row in t] == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


@pytest.mark.parametrize(
    ("x", "message"),
    [
        ([["a", "b"]], "Linear(2, 3): the input must be numeric: got an array of dtype <U1"),
        (np.array([[1, None]], dtype=object),
         "Linear(2, 3): the input must be numeric: got an array of dtype object"),
        ([[1, 2], [3]], "Linear(2, 3): the input must be numeric: a rectangular array of "
         "numbers, but its rows have different lengths"),
    ],
)
def test_linear_refuses_what_is_not_numbers(x, message):
    with pytest.raises(TypeError) as info:
        bp.nn.Linear(2, 3)(x)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: bp.nn.Linear(10**30, 2), LimitError,
         "Linear(1000000000000000000000000000000, 2): 2,000,000,000,000,000,000,000,000,000,002 "
         "parameters is more than the cap of 1,073,741,824"),
        (lambda: bp.nn.mlp([2.7, 3]), ValueError,
         "mlp: layer sizes must be positive integers, got 2.7 at position 0 of [2.7, 3]"),
        (lambda: bp.nn.mlp(["a", 3]), ValueError,
         "mlp: layer sizes must be positive integers, got 'a' at position 0 of ['a', 3]"),
        (lambda: bp.nn.mlp([2, 3], activation=None), TypeError,
         "mlp: activation must be a name such as 'relu', got None"),
        (lambda: bp.nn.mlp("2,3"), ValueError, "mlp: sizes must be a list of layer widths"),
    ],
)
def test_constructors_name_bad_sizes_and_names(make, error, message):
    with pytest.raises(error) as info:
        make()
    assert str(info.value).startswith(message)


def test_the_layered_network_names_empty_data():
    net = bp.layered.Network([2, 3, 2], seed=0)
    empty = np.zeros((0, 2))
    for call in (lambda: net.sgd(empty, np.zeros(0, int), 1, 1, 0.1),
                 lambda: net.feedforward(empty), lambda: net.cost(empty, np.zeros(0, int))):
        with pytest.raises(ValueError, match=r"^Network: X is empty \(shape \(0, 2\)\)$"):
            call()
    with pytest.raises(ValueError, match=r"^fit: X is empty \(shape \(0, 2\)\)$"):
        bp.fit(net, empty, np.zeros(0, int), optimizer=sgd(net), epochs=1)
