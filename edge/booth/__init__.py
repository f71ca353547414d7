"""The booth terminal: the officer's live page and the local API behind it (see server.py)."""

from edge.booth.server import BoothServer
from edge.booth.sink import StoreDecisionSink
from edge.booth.state import BoothState, DecisionSink

__all__ = ["BoothServer", "BoothState", "DecisionSink", "StoreDecisionSink"]
