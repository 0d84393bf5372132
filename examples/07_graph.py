"""The computational graph f(x, y, z) = (x + y) * z at x = 1, y = -3, z = 4 (seed 002).

Forward: d = x + y = -2, f = d z = -8. Backward, the chain rule from the output down:
df/dd = z = 4, df/dz = d = -2, df/dx = df/dd dd/dx = 4 * 1 = 4, df/dy = 4 * 1 = 4.

    python examples/07_graph.py [FOLDER]

writes graph.dot, and graph.png when Graphviz is installed, into FOLDER (default
backprop-out/graph).
"""

import shutil
import sys
from pathlib import Path

import backprop as bp

out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/graph")
out.mkdir(parents=True, exist_ok=True)

x, y, z = bp.Value(1.0, "x"), bp.Value(-3.0, "y"), bp.Value(4.0, "z")
d = x + y
d.label = "d"
f = d * z
f.label = "f"
print(bp.explain(f))  # every node: its value, local derivatives and what flows back
f.backward()
print(f"\ndf/dx = {x.grad:g}, df/dy = {y.grad:g}, df/dz = {z.grad:g}, df/dd = {d.grad:g}")

(out / "graph.dot").write_text(bp.viz.graph_dot(f))  # with data and grad in every node
if shutil.which("dot"):
    bp.viz.render_graph(f, out / "graph.png")
    print(f"wrote graph.dot and graph.png to {out}/")
else:
    print(f"wrote graph.dot to {out}/ (sudo apt-get install graphviz to draw graph.png)")
