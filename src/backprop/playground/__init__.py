"""The backprop playground: watch every number of backpropagation change, one click at a time.

``backprop playground`` (or :func:`serve`) starts a local web server and opens a page that draws a
``layered.Network`` with its activations a, errors delta, weights w and gradients dC/dw, steps
through Forward, Backward and Update (BP1-BP4 with the numbers plugged in), and trains with
``backprop.fit`` while the decision boundary forms. The engine is the only source of numbers.
"""

from .config import Config, ConfigError, parse_config
from .server import PlaygroundServer, serve
from .session import Session

__all__ = ["Config", "ConfigError", "PlaygroundServer", "Session", "parse_config", "serve"]
