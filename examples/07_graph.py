"""The computational graph f = (x + y) * z at x = 1, y = -3, z = 4 (seed 002): forward values, the
backward pass df/dx = 4, df/dy = 4, df/dz = -2 as a table, and the graph drawn by Graphviz
(graph.png, graph.svg, graph.dot).

Usage: python examples/07_graph.py [OUTPUT_FOLDER]   (default backprop-out/graph)
"""

import sys
from pathlib import Path

from backprop.demos import graph

if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "backprop-out/graph")
    out.mkdir(parents=True, exist_ok=True)
    graph.run(out)
