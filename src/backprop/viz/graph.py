"""The computational graph as Graphviz DOT text, and rendered to PNG/SVG by Graphviz's ``dot``.

Drawn as in the lectures and micrograd: one box per node (name, formula, value, gradient) and one
small circle per operation between a node and its inputs, edges pointing forward (inputs left,
output right). Gradients come from :func:`backprop.explain.trace_graph`, which never touches
``.grad``: drawing a graph before or after ``backward()`` changes nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..explain import format_array, trace_graph
from ..io import _atomic_file
from ._figure import check_path

__all__ = ["graph_dot", "render_graph"]

_RECORD_SPECIAL = set('{}|<>"\\')


def _record_escape(text: str) -> str:
    """Escape the characters that structure a Graphviz record label."""
    return "".join("\\" + c if c in _RECORD_SPECIAL else c for c in text)


def _quote(text: str) -> str:
    """A DOT string for a plain label (a backslash is doubled so Graphviz prints it as is)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def graph_dot(output: Any, digits: int = 4, max_elements: int = 8) -> str:
    """DOT text of the graph behind a ``Value`` or ``Tensor`` output.

    Each node is a record ``{ name | formula | data ... | grad ... }`` where grad is dE/d(node)
    for the output E (E = sum of the entries for a non-scalar Tensor); each operation is a circle
    (an ellipse for named operations such as ``tanh``) with edges from its inputs and to its result.
    Constants folded into an operation appear as plain-text nodes. Pass the text to Graphviz
    yourself or use :func:`render_graph`.
    """
    trace = trace_graph(output)
    lines = [
        "digraph backprop {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555"];',
    ]
    for i, node in enumerate(trace.nodes):
        data = format_array(node.value, digits, max_elements)
        grad = "—" if node.grad is None else format_array(node.grad, digits, max_elements)
        fields = [node.name]
        if not node.is_leaf:
            fields.append(trace.formula(i, digits))
        fields += [f"data {data}", f"grad {grad}"]
        label = "{ " + " | ".join(_record_escape(f) for f in fields) + " }"
        style = ', style=filled, fillcolor="#e8f0fe"' if i == trace.output else ""
        # _record_escape already escaped the quotes and backslashes: quote without escaping again.
        lines.append(f'  n{i} [shape=record, label="{label}"{style}];')
    for i, node in enumerate(trace.nodes):
        if node.is_leaf:
            continue
        shape = "circle" if len(node.op) <= 2 else "ellipse"
        lines.append(f"  n{i}_op [shape={shape}, label={_quote(node.op)}];")
        for pos, (kind, ref) in enumerate(node.inputs):
            if kind == "node":
                lines.append(f"  n{ref} -> n{i}_op;")
            else:
                lines.append(f"  c{i}_{pos} [shape=plaintext, label={_quote(str(ref))}];")
                lines.append(f"  c{i}_{pos} -> n{i}_op;")
        lines.append(f"  n{i}_op -> n{i};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graph(output: Any, path: str | os.PathLike[str], timeout: float = 60.0) -> Path:
    """Draw the graph of ``output`` with Graphviz's ``dot`` into ``path`` (.png or .svg).

    Raises ``RuntimeError`` if ``dot`` is not installed (the DOT text is still available from
    :func:`graph_dot`) or if it fails.
    """
    p = check_path(path)
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "Graphviz's `dot` is not installed: sudo apt-get install graphviz "
            "(the DOT text is available from backprop.viz.graph_dot)"
        )
    text = graph_dot(output)
    if not p.parent.exists():
        p.parent.mkdir(parents=True, exist_ok=True)
    try:
        result = subprocess.run(
            [dot, f"-T{p.suffix.lower()[1:]}"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"Graphviz's `dot` did not finish within {timeout:g} s") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"Graphviz's `dot` failed (exit code {result.returncode}): {message}")
    with _atomic_file(p) as file:
        file.write(result.stdout)
    return p
