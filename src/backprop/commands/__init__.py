"""Subcommands of the ``backprop`` command that have grown beyond a function in ``cli.py``."""
