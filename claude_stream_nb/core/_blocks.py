"""Content blocks as they arrive in ``content_block_start``, typed.

Each keeps its whole payload in ``data``, so the final message carries every field the API
sent, including ones added after this module was written; a type this version does not know
becomes :class:`UnknownBlock`, kept as received.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

__all__ = [
    "RESULT_TYPES",
    "TOOL_USE_TYPES",
    "Block",
    "RedactedThinkingBlock",
    "ResultBlock",
    "TextBlock",
    "ThinkingBlock",
    "ToolUseBlock",
    "UnknownBlock",
    "parse_block",
]


@dataclass(frozen=True, slots=True)
class TextBlock:
    data: dict[str, Any] = field(repr=False)
    type: ClassVar[Literal["text"]] = "text"


@dataclass(frozen=True, slots=True)
class ThinkingBlock:
    data: dict[str, Any] = field(repr=False)
    type: ClassVar[Literal["thinking"]] = "thinking"


@dataclass(frozen=True, slots=True)
class RedactedThinkingBlock:
    """Encrypted thinking: opaque ``data``, arrives whole, must go back unchanged."""

    data: dict[str, Any] = field(repr=False)
    type: ClassVar[Literal["redacted_thinking"]] = "redacted_thinking"


@dataclass(frozen=True, slots=True)
class ToolUseBlock:
    """``tool_use``, ``server_tool_use`` or ``mcp_tool_use``: input streams as JSON text."""

    data: dict[str, Any] = field(repr=False)
    type: str = "tool_use"

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    @property
    def name(self) -> str:
        return str(self.data.get("name", ""))


@dataclass(frozen=True, slots=True)
class ResultBlock:
    """A server tool's result (web search, web fetch, code execution, ...): arrives whole."""

    data: dict[str, Any] = field(repr=False)
    type: str = "web_search_tool_result"


@dataclass(frozen=True, slots=True)
class UnknownBlock:
    """A block type this version does not know: kept as received."""

    data: dict[str, Any] = field(repr=False)
    type: str = ""


Block = TextBlock | ThinkingBlock | RedactedThinkingBlock | ToolUseBlock | ResultBlock | UnknownBlock

TOOL_USE_TYPES = frozenset({"tool_use", "server_tool_use", "mcp_tool_use"})
RESULT_TYPES = frozenset(
    {
        "web_search_tool_result",
        "web_fetch_tool_result",
        "code_execution_tool_result",
        "bash_code_execution_tool_result",
        "text_editor_code_execution_tool_result",
        "tool_search_tool_result",
        "container_upload",
        "mcp_tool_result",
        "compaction",
        "fallback",
    }
)


def parse_block(data: dict[str, Any]) -> Block:
    kind = data.get("type")
    if kind == "text":
        return TextBlock(data)
    if kind == "thinking":
        return ThinkingBlock(data)
    if kind == "redacted_thinking":
        return RedactedThinkingBlock(data)
    if kind in TOOL_USE_TYPES:
        return ToolUseBlock(data, kind)
    if kind in RESULT_TYPES:
        return ResultBlock(data, kind)
    return UnknownBlock(data, str(kind))
