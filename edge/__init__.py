"""lane-edge: the edge service of a border-crossing lane."""

__version__ = "0.1.0"
