"""A Griffe extension (loaded by mkdocstrings): the package's docstrings, written for ``help()``
and Sphinx habits, read as Markdown on the site.

- a run of ``>>>`` doctest lines (with the output lines after them) becomes a Python code block,
  so ``[e.event for e in ...]`` is not taken for a Markdown link;
- ``:class:`~pkg.mod.Name``` and the other Sphinx roles become inline code (``Name``, or the
  whole path without ``~``): the targets are often private modules the reference does not show;
- a paragraph ending in ``::`` (reST's "a literal block follows") ends in ``:``; the indented
  block after it is already a Markdown code block.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj):`(~?)([^`]+)`")


def markdown(text: str) -> str:
    text = ROLE.sub(lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", text)
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(lines[i].strip() if lines[i].lstrip().startswith((">>>", "...")) else lines[i])
                i += 1
            out += ["```pycon", *block, "```"]
            continue
        out.append(line[:-1] if line.endswith("::") and line.strip() != "::" else line)
        i += 1
    return "\n".join(out)


class MarkdownDocstrings(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
