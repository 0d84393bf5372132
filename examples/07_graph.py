"""The computational graph f = (x + y) * z at x = 1, y = -3, z = 4 (seed 002): forward values, the
backward pass df/dx = 4, df/dy = 4, df/dz = -2 as a table, and the graph drawn by Graphviz
(graph.png, graph.svg, graph.dot).

Usage: python examples/07_graph.py [FOLDER [EPOCHS]]
(pictures in FOLDER/graph, default backprop-out/graph; EPOCHS overrides the
epochs of a demo that trains). The same as `backprop demo graph`.
"""

from backprop.demos import main

if __name__ == "__main__":
    raise SystemExit(main("graph"))
