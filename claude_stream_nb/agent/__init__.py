"""Streaming tool use end to end: run each tool the moment its block completes, loop to the answer.

:func:`run_agent` (and :func:`arun_agent`) stream a turn into the view, start each tool as
soon as its ``tool_use`` block's ``content_block_stop`` arrives, send every result back in one
user message, and go on until the model answers, runs out of ``max_tokens``, refuses, or
``max_turns`` is reached. Tools are Python functions (schema from their type hints),
:class:`Tool` objects, or dicts sent as they are.
"""

from ._display import AgentView, SinkView, TerminalAgentView
from ._loop import arun_agent, run_agent
from ._runs import AgentResult, ToolRun, Turn
from ._schema import function_schema, validate
from ._tools import Tool, tool

__all__ = [
    "AgentResult",
    "AgentView",
    "SinkView",
    "TerminalAgentView",
    "Tool",
    "ToolRun",
    "Turn",
    "arun_agent",
    "function_schema",
    "run_agent",
    "tool",
    "validate",
]
