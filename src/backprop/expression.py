"""Small arithmetic expressions typed by a user, built into a ``Value`` graph (no ``eval``).

``evaluate_expression("(x + y) * z", {"x": 1, "y": -3, "z": 4})`` returns the output node of the
lecture's computational graph, ready for ``backward()`` or ``explain``. Only numbers, the given
variables, + - * / **, unary minus, exp, log and every activation of ``backprop.activations``
(sigmoid, tanh, relu, step, softplus, ...; aliases such as logistic too) are accepted.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from .activations import ACTIVATIONS
from .errors import LimitError
from .scalar import Value

_METHODS = ("exp", "log")
FUNCTIONS = (*_METHODS, *(name for row in ACTIVATIONS.values() for name in row.names))
_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


#: The largest expression accepted: characters, syntax-tree nodes and nesting depth. Enough for
#: any worked example (a table of a thousand rows is no longer one); beyond them an expression
#: is refused before it is built, where it would exhaust Python's recursion limit.
MAX_CHARACTERS = 10_000
MAX_NODES = 1_000
MAX_DEPTH = 200


def _check_size(tree: ast.AST) -> None:
    """Raise LimitError if the parsed expression has more than MAX_NODES parts (numbers,
    variables, operations, calls) or nests them more than MAX_DEPTH deep (counted without
    recursion)."""
    nodes, depth, stack = 0, 0, [(tree, 0)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, ast.expr):  # a number, a variable, an operation or a call
            nodes, level = nodes + 1, level + 1
            depth = max(depth, level)
        stack.extend((child, level) for child in ast.iter_child_nodes(node))
    if nodes > MAX_NODES or depth > MAX_DEPTH:
        raise LimitError(
            f"expression too large: {nodes:,} parts nested {depth} deep; explain takes at most "
            f"{MAX_NODES:,} parts nested {MAX_DEPTH} deep"
        )


def evaluate_expression(text: str, values: Mapping[str, float]) -> Value:
    """Parse ``text`` and build its graph; variables become labelled leaves (see module doc).

    Raises ValueError for anything that is not such an expression, LimitError for one beyond
    MAX_CHARACTERS, MAX_NODES or MAX_DEPTH, and ValueError naming the cause when a value
    cannot be computed (a division by zero, a constant that overflows).
    """
    if len(text) > MAX_CHARACTERS:
        raise LimitError(
            f"expression too large: {len(text):,} characters; explain takes at most "
            f"{MAX_CHARACTERS:,}"
        )
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(f"cannot parse expression {text!r}: {exc.msg}") from None
    except (RecursionError, MemoryError):
        raise LimitError(
            f"expression too large: nested deeper than Python can parse; explain takes at most "
            f"{MAX_DEPTH} levels"
        ) from None
    _check_size(tree)
    leaves: dict[str, Value] = {}

    def build(node: ast.AST) -> Value | float:
        if isinstance(node, ast.Expression):
            return build(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        if isinstance(node, ast.Name):
            if node.id not in values:
                raise ValueError(
                    f"expression uses {node.id!r} but no value was given (e.g. --values "
                    f"{node.id}=1)"
                )
            if node.id not in leaves:
                leaves[node.id] = Value(float(values[node.id]), label=node.id)
            return leaves[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](build(node.left), build(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FUNCTIONS
            and len(node.args) == 1
            and not node.keywords
        ):
            arg = build(node.args[0])
            arg = arg if isinstance(arg, Value) else Value(arg)
            if node.func.id in _METHODS:
                return getattr(arg, node.func.id)()
            return arg.activation(node.func.id)
        raise ValueError(
            f"unsupported syntax in expression {text!r}: {ast.unparse(node)!r}; use numbers, "
            f"variables, + - * / ** and {', '.join(FUNCTIONS)}"
        )

    try:
        result = build(tree)
    except (ZeroDivisionError, OverflowError) as exc:
        cause = "division by zero" if isinstance(exc, ZeroDivisionError) else "a value overflows"
        raise ValueError(
            f"cannot evaluate expression {text!r}: {cause} ({exc.args[-1]})"
        ) from None
    if not isinstance(result, Value):
        raise ValueError(f"expression {text!r} has no variables: nothing to differentiate")
    return result
