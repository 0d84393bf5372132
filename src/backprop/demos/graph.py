"""The computational graph f(x, y, z) = (x + y) * z at x = 1, y = -3, z = 4 (seed 002).

Forward pass: d = x + y = -2, f = d * z = -8. Backward pass, the chain rule from the output down:
df/dd = z = 4, df/dz = d = -2, df/dx = df/dd * dd/dx = 4 * 1 = 4, df/dy = 4 * 1 = 4.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..explain import explain
from ..io import write_text
from ..scalar import Value
from ..tensor import tensor
from ..viz import graph_dot, render_graph

TITLE = "computational graph f = (x + y) * z at x = 1, y = -3, z = 4: forward, backward"


def build(x: float = 1.0, y: float = -3.0, z: float = 4.0) -> tuple[Value, dict[str, Value]]:
    """The graph of f = (x + y) * z with the scalar engine, nodes labelled as on the slide."""
    nodes = {"x": Value(x, "x"), "y": Value(y, "y"), "z": Value(z, "z")}
    d = nodes["x"] + nodes["y"]
    d.label = "d"
    f = d * nodes["z"]
    f.label = "f"
    nodes["d"] = d
    return f, nodes


def run(out: Path, data: str | None = None, epochs: int | None = None) -> dict[str, Any]:
    """Print the forward/backward table and the chain rule; draw the graph (Graphviz)."""
    f, nodes = build()
    print("f(x, y, z) = (x + y) * z  with  x = 1, y = -3, z = 4  (d = x + y, f = d * z)\n")
    print(explain(f))
    f.backward()
    grads = {name: node.grad for name, node in nodes.items()}
    print(
        f"\nafter f.backward(): x.grad = {grads['x']:g}, y.grad = {grads['y']:g}, "
        f"z.grad = {grads['z']:g} (and df/dd = {grads['d']:g})"
    )

    # The same graph with the array engine gives the same numbers.
    x, y, z = (tensor(v, requires_grad=True, dtype="float64") for v in (1.0, -3.0, 4.0))
    ft = (x + y) * z
    ft.backward()
    tensor_grads = {"x": float(x.grad), "y": float(y.grad), "z": float(z.grad)}
    print(
        f"the Tensor engine agrees: f = {float(ft.data):g}, df/dx = {tensor_grads['x']:g}, "
        f"df/dy = {tensor_grads['y']:g}, df/dz = {tensor_grads['z']:g}"
    )

    dot_path = out / "graph.dot"
    write_text(dot_path, graph_dot(f))
    files = [dot_path]
    if shutil.which("dot"):
        files.append(render_graph(f, out / "graph.png"))
        files.append(render_graph(f, out / "graph.svg"))
        print(f"\nwrote {', '.join(p.name for p in files)} to {out}/")
    else:
        print(
            f"\nwrote {dot_path.name} to {out}/ (Graphviz's `dot` is not installed, so no picture: "
            f"sudo apt-get install graphviz, then\n  dot -Tpng {dot_path} -o {out / 'graph.png'})"
        )
    return {
        "f": f.data,
        "d": nodes["d"].data,
        "grads": grads,
        "tensor_grads": tensor_grads,
        "files": files,
    }
