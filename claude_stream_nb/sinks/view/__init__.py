"""The notebook view (ipywidgets)."""

from ._player import Player
from ._widget import StreamView

__all__ = ["Player", "StreamView"]
