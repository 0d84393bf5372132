"""The ``backprop`` command: demos, training, evaluation, worked examples, gradient checks,
export to ONNX and PyTorch."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

EPILOG_MAIN = """examples:
  backprop demo                          train 784-30-10 on 5,000 real MNIST digits
  backprop demo --list                   the lectures' examples
  backprop demo xor-hand                 the hand-set tanh XOR network of the notes
  backprop train --data moons --layers 2,16,2 --epochs 200 --out runs/moons
  backprop evaluate runs/moons/model.npz --data moons
  backprop explain "(x + y) * z" --values x=1,y=-3,z=4
  backprop gradcheck runs/moons/model.npz --data moons
  backprop notebooks --solutions class/  the course notebooks, with every exercise solved
  backprop export runs/moons/model.npz --format onnx --out moons.onnx
  backprop sweep --data moons --layers 2,16,2 --lr 0.01,0.1,1 --seeds 0,1,2 --out runs/sweep
"""


class UsageError(Exception):
    """A mistake on the command line: one line on stderr, exit code 2."""


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """The examples' line breaks kept, and every option's default shown after its help."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        shown = not (action.default is None or action.default is False)
        shown = shown and action.default is not argparse.SUPPRESS
        if shown and "%(default)" not in text and "(default:" not in text:
            text += " (default: %(default)s)"
        return text

    def _split_lines(self, text: str, width: int) -> list[str]:
        """Lines broken between words only: never inside fashion-mnist or backprop-out/train."""
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (and exit code 2), not the whole usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _parse_layers(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"layers must be comma-separated integers like 784,100,10, got {text!r}"
        ) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(
            f"layers need at least an input and an output size, all positive, got {text!r}"
        )
    return sizes


def seconds_text(seconds: float) -> str:
    """A duration for people: three significant digits under 10 s ("0.0153 s", "2.35 s"), tenths
    above ("123.4 s"), so that a run of milliseconds does not read "0.0 s"."""
    return f"{seconds:.3g} s" if seconds < 10 else f"{seconds:.1f} s"


def _positive(kind: type[int] | type[float]) -> Callable[[str], Any]:
    """An argparse type: a positive ``kind`` (int or float) parsed from the command line."""
    what = "an integer" if kind is int else "a number"

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value

    return parse


_positive_int, _positive_float = _positive(int), _positive(float)


def _seed(text: str) -> int:
    """An argparse type: a seed, an integer 0 or larger (it numbers a random sequence)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"a seed must be a whole number 0 or larger (it numbers a random sequence), "
            f"got {text!r}"
        )
    return value


def _out_folder(text: str, flag: str = "--out") -> Path:
    """The folder an --out names (created later if missing); a UsageError if it is a file."""
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{flag} {text} is a file; it must name a folder (created if missing)")
    return out


def _check_network_size(sizes: list[int], itemsize: int, flag: str) -> None:
    """The one size guard (``backprop.limits``), before any data is loaded or weight drawn."""
    from .limits import check_parameters, network_parameters

    check_parameters(network_parameters(sizes), itemsize, f"{flag} {','.join(map(str, sizes))}")


# ---------------------------------------------------------------------- commands
def cmd_demo(args: argparse.Namespace) -> int:
    from .demos import DEMOS, run_demo

    if args.list:
        width = max(len(name) for name in DEMOS)
        for name, module in DEMOS.items():
            print(f"{name:<{width}}  {module.TITLE}")
        return 0
    return run_demo(args.name, out=_out_folder(args.out), data=args.data, epochs=args.epochs)


def _load_data(name: str, seed: int) -> Any:
    from .data import load

    return load(name, seed=seed)


def _parse_values(text: str) -> dict[str, float]:
    values = {}
    for part in filter(None, text.split(",")):
        name, sep, number = part.partition("=")
        try:
            if not sep:
                raise ValueError
            values[name.strip()] = float(number)
        except ValueError:
            raise UsageError(f"--values must look like x=1,y=-3,z=4, got {part!r}") from None
    return values


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain, format_array
    from .explain.format import latex_document
    from .expression import evaluate_expression

    if args.standalone and args.format != "latex":
        raise UsageError("--standalone writes a LaTeX document: add --format latex")
    notes = []
    if args.network:
        from .layered import Network

        sizes = args.network
        _check_network_size(sizes, np.dtype(np.float64).itemsize, "--network")
        net = Network(
            sizes,
            activation=args.activation,
            output=args.output_activation,
            cost=args.cost,
            seed=args.seed,
            dtype=np.float64,
        )
        x = np.full(sizes[0], 0.5) if args.input is None else np.array(args.input, dtype=float)
        y = np.eye(sizes[-1])[0] if args.target is None else np.array(args.target, dtype=float)
        if x.shape != (sizes[0],) or y.shape != (sizes[-1],):
            raise UsageError(
                f"--input needs {sizes[0]} numbers and --target {sizes[-1]} for --network {sizes}"
            )
        if args.input is None:
            notes.append(f"no --input given: x = {format_array(x)} (the default)")
        if args.target is None:
            notes.append(f"no --target given: y = {format_array(y)} (the default, class 0)")
        text = explain(net, x[None, :], y[None, :], format=args.format)
    else:
        output = evaluate_expression(args.expression, _parse_values(args.values))
        text = explain(output, format=args.format)
    if notes:  # in LaTeX as comments, so that the fragment still compiles
        prefix = "% " if args.format == "latex" else ""
        text = "\n".join(prefix + note for note in notes) + "\n\n" + text
    print(latex_document(text) if args.standalone else text, end="" if args.standalone else "\n")
    return 0


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from . import io
    from .commands.train import saved_loss
    from .gradcheck import check_model_gradients
    from .nn.losses import loss_function

    model = io.load(args.model)
    loss = loss_function(args.loss) if args.loss else saved_loss(args.model)
    data = _load_data(args.data, args.seed)
    rng = np.random.default_rng(args.seed)
    rows = rng.choice(len(data.X_test), size=min(args.samples, len(data.X_test)), replace=False)
    report = check_model_gradients(
        model,
        data.X_test[rows],
        data.y_test[rows],
        loss or loss_function("cross_entropy"),
        elements_per_parameter=args.elements,
        seed=args.seed,
    )
    print(report)
    return 0


def cmd_playground(args: argparse.Namespace) -> int:
    from .playground import serve

    serve(args.host, args.port, open_browser=not args.no_browser)
    return 0


def cmd_notebooks(args: argparse.Namespace) -> int:
    from .exercises.course import copy_notebooks

    try:
        written = copy_notebooks(args.dir, solutions=args.solutions, overwrite=args.force)
    except FileExistsError as exc:
        raise UsageError(f"{exc} (--force replaces them)") from None
    except OSError as exc:
        reason = exc.strerror or exc
        raise UsageError(f"cannot copy the notebooks into {args.dir}: {reason}") from None
    what = "solved notebooks" if args.solutions else "notebooks"
    print(f"{len(written)} {what} in {args.dir}:")
    for path in written:
        print(f"  {path.name}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    import warnings

    from . import io

    out = Path(args.out)
    if out.exists() or out.is_symlink():
        raise UsageError(f"--out {args.out} already exists; export writes a new file only")
    try:
        model = io.load(args.model)
    except OSError as exc:  # a folder, no permission, a missing file
        raise UsageError(f"cannot read {args.model}: {exc.strerror or exc}") from None
    try:
        if args.format == "onnx":
            from .interop import onnx
        else:
            from .interop import torch
    except ModuleNotFoundError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "onnx":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", onnx.PrecisionWarning)
            onnx.export_onnx(model, out)
        for warning in caught:
            print(f"backprop: note: {warning.message}", file=sys.stderr)
        print(
            f"wrote {out} (ONNX opset {onnx.OPSET}, float32): input {onnx.INPUT!r} and output "
            f"{onnx.OUTPUT!r}, one example per row, any batch size"
        )
    else:
        torch.save_state_dict(model, out)
        print(f"wrote {out}, a PyTorch state_dict; rebuild the module with (after import torch):")
        print(f"model = {torch.torch_constructor(model)}")
        print(f"model.load_state_dict(torch.load({str(out)!r}, weights_only=True))")
    return 0


def _seeds(text: str) -> list[int]:
    """An argparse type: comma-separated seeds, e.g. 0,1,2."""
    return [_seed(part) for part in text.split(",")]


def cmd_sweep(args: argparse.Namespace) -> int:
    from .sweeps import options, sweep
    from .sweeps.executors import default_workers

    out = _out_folder(args.out)
    try:
        grid = options.grid_from_args(args, options.train_parser())
    except argparse.ArgumentTypeError as exc:
        raise UsageError(str(exc)) from None
    total = len(args.seeds)
    for values in grid.values():
        total *= len(values)
    finished = 0

    def report(record: dict[str, Any]) -> None:
        nonlocal finished
        finished += 1
        where = " ".join(
            f"{name}={','.join(map(str, value)) if isinstance(value, list) else value}"
            for name, value in record["config"].items()
            if len(grid.get(name, ())) > 1
        )
        if record["status"] == "ok":
            accuracy = record["final_accuracy"]
            how = f"final loss {record['final_loss']:.4f}" + (
                "" if accuracy is None else f", test accuracy {accuracy:.2%}"
            )
        else:
            how = f"{record['status']}: {record['error']}"
        took = seconds_text(record["seconds"])
        print(f"[{finished}] {where} seed {record['seed']}: {how} ({took})")

    if args.ray_address:
        where = f"the Ray cluster at {args.ray_address}"
    elif args.ray:
        where = "a local Ray instance"
    else:
        where = f"a local pool of {args.workers or default_workers()} processes"
    print(f"sweep of {total} runs on {where}; each run is written to {out / 'runs'} as it ends")
    try:
        result = sweep(
            grid,
            out=out,
            seeds=args.seeds,
            executor="ray" if args.ray else "local",
            workers=args.workers,
            ray_address=args.ray_address,
            on_run=report,
        )
    except ModuleNotFoundError as exc:  # Ray asked for but not installed
        raise UsageError(str(exc)) from None
    except RuntimeError as exc:  # a worker process or Ray task lost: the finished runs are kept
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        print(
            f"backprop: the sweep stopped: {reason}; {finished} finished runs are kept in "
            f"{out / 'runs'}, the same command resumes it",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print(
            f"backprop: {finished} finished runs are kept in {out / 'runs'}; the same command "
            "resumes the sweep",
            file=sys.stderr,
        )
        raise
    if result.reused:
        print(f"{result.reused} runs were already done in {out / 'runs'} and were not repeated")
    print(
        f"{len(result.records)} runs, {result.failed} failed or diverged; wrote "
        + ", ".join(path.name for path in result.files)
        + f" in {out}"
    )
    return 0 if result.failed < len(result.records) else 1


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="backprop",
        description="Neural networks and backpropagation, real, fast and transparent.",
        epilog=EPILOG_MAIN,
        formatter_class=_HelpFormatter,
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"backprop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    formatter = _HelpFormatter

    demo = sub.add_parser(
        "demo",
        help="run the main demo or one of the lectures' examples",
        formatter_class=formatter,
        epilog="examples:\n  backprop demo\n  backprop demo --list\n  backprop demo graph\n"
        "  backprop demo nielsen --epochs 5\n  backprop demo --data fashion-mnist --out out/",
    )
    demo.add_argument("name", nargs="?", default="mnist", help="which demo (see --list)")
    demo.add_argument("--list", action="store_true", help="list the demos and exit")
    demo.add_argument("--out", default="backprop-out", help="folder for pictures and models")
    demo.add_argument(
        "--data", default=None, help="dataset of images for the main demo (default: mnist-5k)"
    )
    demo.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="override the demo's epochs (default: the demo's own)",
    )
    demo.set_defaults(func=cmd_demo)

    from .commands.train import add_parsers

    add_parsers(sub, formatter)
    from .data import DATASETS

    explain = sub.add_parser(
        "explain",
        help="forward and backward values of a small expression or network, as a table",
        formatter_class=formatter,
        epilog="examples:\n  backprop explain\n"
        '  backprop explain "(x + y) * z" --values x=1,y=-3,z=4 --format latex\n'
        '  backprop explain "x * x + x" --values x=3 --format latex --standalone > graph.tex\n'
        '  backprop explain "tanh(w * x + b)" --values w=0.5,x=2,b=-1\n'
        "  backprop explain --network 2,2,1 --input 1,0 --target 1",
    )
    explain.add_argument(
        "expression", nargs="?", default="(x + y) * z", help="an expression of named values"
    )
    explain.add_argument("--values", default="x=1,y=-3,z=4", help="e.g. x=1,y=-3,z=4")
    explain.add_argument(
        "--format",
        choices=["text", "markdown", "latex"],
        default="text",
        help="LaTeX: a plain-ASCII fragment that needs \\usepackage{amsmath,longtable} "
        "(default: text)",
    )
    explain.add_argument(
        "--standalone",
        action="store_true",
        help="with --format latex: a complete document for pdflatex, not a fragment",
    )
    explain.add_argument(
        "--network",
        type=_parse_layers,
        help="a layered network, e.g. 2,2,1 (default: none, the expression instead)",
    )
    from .activations import NAMES as ACTIVATION_NAMES
    from .layered import COSTS, OUTPUTS

    explain.add_argument(
        "--activation",
        default="sigmoid",
        choices=ACTIVATION_NAMES,
        help="--network: the hidden layers' g (default: sigmoid)",
    )
    explain.add_argument(
        "--output-activation",
        choices=OUTPUTS,
        help="--network: the output layer's g (default: the hidden one; softmax for "
        "--cost log_likelihood)",
    )
    explain.add_argument(
        "--cost", default="quadratic", choices=COSTS, help="--network: C (default: quadratic)"
    )
    explain.add_argument(
        "--input",
        type=lambda s: [float(v) for v in s.split(",")],
        help="--network: the example x (default: 0.5 for every input)",
    )
    explain.add_argument(
        "--target",
        type=lambda s: [float(v) for v in s.split(",")],
        help="--network: its target y (default: class 0 one-hot, 1,0,...)",
    )
    explain.add_argument("--seed", type=_seed, default=0, help="--network: its weights")
    explain.set_defaults(func=cmd_explain)

    check = sub.add_parser(
        "gradcheck",
        help="compare a saved model's backprop gradients with finite differences",
        formatter_class=formatter,
        epilog="example:\n  backprop gradcheck runs/mnist/model.npz --data mnist-5k",
    )
    check.add_argument("model", help="a file written by backprop train / backprop.save")
    check.add_argument("--data", required=True, help=f"one of {', '.join(DATASETS)}")
    check.add_argument(
        "--loss",
        help="the cost whose gradients are checked (default: the loss saved with the model, "
        "else cross_entropy)",
    )
    check.add_argument("--samples", type=_positive_int, default=8, help="examples in the batch")
    check.add_argument(
        "--elements", type=_positive_int, default=20, help="elements checked per parameter"
    )
    check.add_argument("--seed", type=_seed, default=0, help="which examples")
    check.set_defaults(func=cmd_gradcheck)

    playground = sub.add_parser(
        "playground",
        help="watch backpropagation step by step in your browser (a local server)",
        formatter_class=formatter,
        epilog="examples:\n  backprop playground\n  backprop playground --port 8000 --no-browser",
    )
    playground.add_argument("--host", default="127.0.0.1", help="address to bind")
    playground.add_argument("--port", type=int, default=0, help="port to listen on; 0 = a free one")
    playground.add_argument("--no-browser", action="store_true", help="do not open a browser")
    playground.set_defaults(func=cmd_playground)

    notebooks = sub.add_parser(
        "notebooks",
        help="copy the course notebooks (one per lecture, with exercises) into a folder",
        formatter_class=formatter,
        epilog="examples:\n  backprop notebooks class/\n  backprop notebooks --solutions answers/",
    )
    notebooks.add_argument("dir", help="folder to copy them into (created if needed)")
    notebooks.add_argument(
        "--solutions", action="store_true", help="the versions with every exercise solved"
    )
    notebooks.add_argument("--force", action="store_true", help="replace notebooks already there")
    notebooks.set_defaults(func=cmd_notebooks)

    export = sub.add_parser(
        "export",
        help="write a saved model as an ONNX file or a PyTorch state_dict",
        formatter_class=formatter,
        epilog="examples:\n  backprop export runs/mnist/model.npz --format onnx --out mnist.onnx\n"
        "  backprop export runs/mnist/model.npz --format torch --out mnist.pt",
    )
    export.add_argument("model", help="a file written by backprop train / backprop.save")
    export.add_argument(
        "--format", required=True, choices=["onnx", "torch"], help="the file's kind"
    )
    export.add_argument("--out", required=True, help="the file to write (must not exist)")
    export.set_defaults(func=cmd_export)

    sweep = sub.add_parser(
        "sweep",
        help="train a grid of configurations times seeds in parallel, and tabulate them",
        formatter_class=formatter,
        description="Every train option takes one or more values (comma-separated, or one "
        "per word: --layers 784,30,10 784,100,10); every combination trains once per seed.",
        epilog="examples:\n"
        "  backprop sweep --data mnist-5k --lr 0.01,0.1,1,3 --batch-size 1,10,100 "
        "--seeds 0,1,2 --out runs/lr\n"
        "  backprop sweep --data moons --layers 2,8,2 2,32,2 --activation relu,tanh --ray\n"
        "  backprop sweep --data digits --optimizer sgd,adam --ray-address 10.0.0.1:6379",
    )
    from .sweeps.options import add_sweep_arguments, train_parser

    add_sweep_arguments(sweep, train_parser())
    sweep.add_argument("--seeds", type=_seeds, default=[0], help="seeds, e.g. 0,1,2")
    sweep.add_argument("--out", default="backprop-out/sweep", help="folder for the results")
    sweep.add_argument(
        "--workers", type=_positive_int, default=None, help="processes (default: one per core)"
    )
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--ray", action="store_true", help="run on a local Ray instance")
    where.add_argument(
        "--ray-address",
        help="run on the Ray cluster at this address (default: none, the local pool or --ray)",
    )
    sweep.set_defaults(func=cmd_sweep)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``backprop`` command; returns the exit code."""
    from .errors import DataFileError, GradcheckError, ModelFileError, TrainingDiverged

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except GradcheckError as exc:
        print(f"backprop: gradient check failed: {exc}", file=sys.stderr)
        return 1
    except TrainingDiverged as exc:
        print(f"backprop: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`backprop demo | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # a missing file, a folder where a file belongs, no permission
        what = exc.strerror or str(exc)
        where = f": {exc.filename}" if exc.filename else ""
        print(f"backprop: error: {what}{where}", file=sys.stderr)
        return 2
    except (UsageError, ValueError, ModelFileError, DataFileError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"backprop: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("backprop: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
