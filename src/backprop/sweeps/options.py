"""The options a sweep can vary: exactly those of ``backprop train``, read off its parser.

``backprop sweep`` gets one argument per ``train`` option (found by walking the ``train``
subcommand's argparse actions, so that a new ``train`` option is sweepable at once), each taking
one or more values; ``bp.sweep`` takes the same names, with ``train``'s defaults.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

#: ``train`` options that are not a run's configuration: the seed is swept as ``--seeds``, and
#: where the run writes, how it shows progress and its checkpoints belong to the sweep (which
#: keeps each finished run instead).
NOT_SWEPT = frozenset({"help", "seed", "out", "progress", "checkpoint_every"})


def sweepable(train: argparse.ArgumentParser) -> list[argparse.Action]:
    """``train``'s options that take a value, less ``NOT_SWEPT`` (flags are not lists)."""
    return [
        action
        for action in train._actions
        if action.dest not in NOT_SWEPT and action.option_strings and action.nargs != 0
    ]


def train_parser() -> argparse.ArgumentParser:
    """A parser of exactly the ``train`` subcommand's options (``add_training_arguments``)."""
    from ..commands.train import add_training_arguments

    parser = argparse.ArgumentParser(prog="backprop train", add_help=False)
    add_training_arguments(parser)
    return parser


def defaults() -> dict[str, Any]:
    """Every sweepable option by name (``batch_size``) with its default (None if required)."""
    return {a.dest: a.default for a in sweepable(train_parser())}


def _value(action: argparse.Action, text: str) -> Any:
    """``text`` as ``action``'s type and choices would take it, or ArgumentTypeError."""
    try:
        value = action.type(text) if callable(action.type) else text
    except (argparse.ArgumentTypeError, TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc) or f"invalid value {text!r}") from None
    if action.choices is not None and value not in action.choices:
        raise argparse.ArgumentTypeError(
            f"invalid choice {text!r} (choose from {', '.join(map(str, action.choices))})"
        )
    return value


def _is_value(action: argparse.Action, text: str) -> bool:
    try:
        _value(action, text)
    except argparse.ArgumentTypeError:
        return False
    return True


def parse_values(action: argparse.Action, words: Sequence[str]) -> list[Any]:
    """The values of one swept option: each word is a comma-separated list of values, unless a
    piece is no value on its own and the word as a whole is one (``--layers 784,30,10``)."""
    values = []
    for word in words:
        pieces = word.split(",")
        try:
            values += [_value(action, piece) for piece in pieces]
        except argparse.ArgumentTypeError as split_error:
            try:
                values.append(_value(action, word))
            except argparse.ArgumentTypeError as whole_error:
                # a list whose first piece is a value has a bad piece; else the word was one value
                first_is_value = _is_value(action, pieces[0])
                error = split_error if first_is_value else whole_error
                raise argparse.ArgumentTypeError(f"{action.option_strings[-1]}: {error}") from None
    unique = []
    for value in values:
        if value not in unique:
            unique.append(value)
    return unique


def add_sweep_arguments(sweep: argparse.ArgumentParser, train: argparse.ArgumentParser) -> None:
    """Give ``sweep`` every sweepable option of ``train``, taking one or more values."""
    for action in sweepable(train):
        default = "" if action.default is None else f" (default: {_show(action.default)})"
        sweep.add_argument(
            *action.option_strings,
            dest=action.dest,
            nargs="+",
            metavar=action.metavar or action.dest.upper(),
            required=action.required,
            default=None,
            help=f"{action.help or 'as in train'}; one or more, comma-separated{default}",
        )


def _show(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def grid_from_args(args: argparse.Namespace, train: argparse.ArgumentParser) -> dict[str, list]:
    """The values given on the command line for each sweepable option (given ones only)."""
    return {
        a.dest: parse_values(a, getattr(args, a.dest))
        for a in sweepable(train)
        if getattr(args, a.dest) is not None
    }
