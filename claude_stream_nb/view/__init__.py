"""The notebook view (ipywidgets)."""

from ._widget import StreamView

__all__ = ["StreamView"]
