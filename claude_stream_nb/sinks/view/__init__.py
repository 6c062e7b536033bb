"""The notebook view: one anywidget (``static/view.js``, ``view.css``) and the step-through player."""

from ._player import Player
from ._widget import StreamView

__all__ = ["Player", "StreamView"]
