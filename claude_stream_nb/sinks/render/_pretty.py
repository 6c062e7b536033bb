"""Tool arguments pretty-printed as they stream: JSON text in, indented text out, append-only.

:class:`PrettyJSON` is fed the raw ``input_json_delta`` text piece by piece and returns only
what to add to what it returned before, so a view can append it and never redraw. An open
string stays open (``"Euro`` -- no closing quote or brace is made up), so arguments that are
still arriving never look finished. For complete input the result equals
``json.dumps(json.loads(text), indent=2, ensure_ascii=False)`` whenever the model wrote no
escapes that ``json.dumps`` would spell differently (the view compares and corrects that at
the block's end). The front end (``static/view.js``, ``PrettyJSON``) runs the same machine,
so live and saved arguments read the same.
"""

from __future__ import annotations

__all__ = ["PrettyJSON", "pretty_partial"]

_OPENERS = {"{": "}", "[": "]"}


class PrettyJSON:
    """An incremental JSON pretty-printer (2-space indent, ``": "`` and ``","`` + newline)."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_string = False
        self.escape = False
        self.pending_open = False  # a { or [ was written; a newline waits to see if it is empty

    def feed(self, text: str) -> str:
        out: list[str] = []
        for ch in text:
            if self.in_string:
                out.append(ch)
                if self.escape:
                    self.escape = False
                elif ch == "\\":
                    self.escape = True
                elif ch == '"':
                    self.in_string = False
                continue
            if ch in " \t\r\n":
                continue
            if self.pending_open:
                self.pending_open = False
                if ch in "}]":
                    self.depth -= 1
                    out.append(ch)
                    continue
                out.append("\n" + "  " * self.depth)
            if ch in _OPENERS:
                out.append(ch)
                self.depth += 1
                self.pending_open = True
            elif ch in "}]":
                self.depth = max(self.depth - 1, 0)
                out.append("\n" + "  " * self.depth + ch)
            elif ch == ",":
                out.append(",\n" + "  " * self.depth)
            elif ch == ":":
                out.append(": ")
            else:
                if ch == '"':
                    self.in_string = True
                out.append(ch)
        return "".join(out)


def pretty_partial(text: str) -> str:
    """The whole of ``text`` through :class:`PrettyJSON` (what the live view shows)."""
    return PrettyJSON().feed(text)
