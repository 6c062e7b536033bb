"""Tools: what the model is told (name, description, input schema) and the Python that runs.

A :class:`Tool` comes from a function (:meth:`Tool.from_function`, or the :func:`tool`
decorator) with its schema derived from the type hints, or from an explicit schema
(``Tool(name, description, input_schema, fn)``, :meth:`Tool.from_dict`). A plain dict with no
function is sent as it is and never run here: a server tool such as web search, which the API
runs itself.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

from ._schema import Convert, function_schema, parse_docstring, validate

__all__ = ["Tool", "Toolbox", "result_text", "tool"]


@dataclass(frozen=True)
class Tool:
    """A tool the model may call, and the function that answers it."""

    name: str
    description: str
    input_schema: Mapping[str, Any] = field(repr=False)
    fn: Callable[..., Any] | None = field(default=None, repr=False)
    """Called with the arguments as keyword arguments; ``async def`` functions are awaited."""
    timeout: float | None = None
    """Seconds before a run counts as failed (``None``: the runner's ``tool_timeout``)."""
    extra: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """Other keys sent with the definition (``cache_control``, ``type``...)."""
    converters: Mapping[str, Convert] = field(default_factory=dict, repr=False, compare=False)
    """Per argument: JSON value -> what the function expects (Enum members, ints, tuples)."""

    @classmethod
    def from_function(
        cls,
        fn: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
    ) -> Tool:
        """Name from ``fn.__name__``, description from the docstring (without its ``Args:``
        section, whose lines describe the parameters), schema from the type hints."""
        schema, converters = function_schema(fn)
        doc, _ = parse_docstring(inspect.getdoc(fn) or "")
        return cls(
            name=name or fn.__name__,
            description=description if description is not None else doc,
            input_schema=schema,
            fn=fn,
            timeout=timeout,
            converters=converters,
        )

    @classmethod
    def from_dict(cls, spec: Mapping[str, Any], fn: Callable[..., Any] | None = None, **options: Any) -> Tool:
        """An explicit definition (``{"name", "description", "input_schema", ...}``) run by ``fn``."""
        if not isinstance(spec.get("name"), str):
            raise ValueError(f"a tool definition needs a 'name', got keys {sorted(spec)}")
        rest = {k: v for k, v in spec.items() if k not in ("name", "description", "input_schema")}
        schema = spec.get("input_schema", {"type": "object", "properties": {}})
        return cls(spec["name"], str(spec.get("description", "")), schema, fn, extra=rest, **options)

    def definition(self) -> dict[str, Any]:
        """What goes into the request's ``tools`` list."""
        out: dict[str, Any] = {"name": self.name}
        if self.description:
            out["description"] = self.description
        out["input_schema"] = dict(self.input_schema)
        return {**out, **self.extra}

    def check(self, arguments: Any) -> tuple[dict[str, Any] | None, str | None]:
        """``(keyword arguments, None)``, or ``(None, what is wrong)`` -- said to the model."""
        problems = validate(self.input_schema, arguments) if isinstance(arguments, dict) else []
        if not isinstance(arguments, dict):
            problems = [f"expected a JSON object of arguments, got {type(arguments).__name__}"]
        if problems:
            return None, f"invalid arguments for {self.name}: " + "; ".join(problems)
        kwargs = dict(arguments)
        for key, convert in self.converters.items():
            if key in kwargs:
                try:
                    kwargs[key] = convert(kwargs[key])
                except (KeyError, TypeError, ValueError) as exc:
                    return None, f"invalid arguments for {self.name}: {key}: {exc}"
        return kwargs, None

    @property
    def is_async(self) -> bool:
        fn = self.fn
        call = inspect.getattr_static(type(fn), "__call__", None)  # an object with ``async def __call__``
        return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(call)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The decorated function still works as a function."""
        if self.fn is None:
            raise TypeError(f"tool {self.name!r} has no Python function")
        return self.fn(*args, **kwargs)


@overload
def tool(fn: Callable[..., Any], /) -> Tool: ...


@overload
def tool(
    *, name: str | None = None, description: str | None = None, timeout: float | None = None
) -> Callable[[Callable[..., Any]], Tool]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> Tool | Callable[[Callable[..., Any]], Tool]:
    """``@tool`` or ``@tool(timeout=5)``: a :class:`Tool` from the function below it."""
    if fn is not None:
        return Tool.from_function(fn)
    return lambda f: Tool.from_function(f, name=name, description=description, timeout=timeout)


class Toolbox:
    """The tools of one run: definitions to send, and functions by name."""

    def __init__(self, tools: Iterable[Tool | Callable[..., Any] | Mapping[str, Any]] = ()) -> None:
        self.definitions: list[dict[str, Any]] = []
        self.tools: dict[str, Tool] = {}
        for item in tools:
            if isinstance(item, Tool):
                found: Tool | None = item
            elif isinstance(item, Mapping):
                found = None  # sent as is: a server tool, or one declared without a function
                self.definitions.append(dict(item))
            elif callable(item):
                found = Tool.from_function(item)
            else:
                raise TypeError(f"a tool is a function, a Tool or a dict, got {type(item).__name__}")
            if found is not None:
                if found.name in self.tools:
                    raise ValueError(f"two tools are named {found.name!r}")
                self.tools[found.name] = found
                self.definitions.append(found.definition())

    def find(self, name: str) -> tuple[Tool | None, str | None]:
        """The tool to run for ``name``, or why there is none (said to the model)."""
        found = self.tools.get(name)
        if found is not None and found.fn is not None:
            return found, None
        if found is not None or any(d.get("name") == name for d in self.definitions):
            return None, f"the tool {name!r} has no Python function here to run it"
        known = ", ".join(sorted(self.tools)) or "none"
        return None, f"there is no tool named {name!r} (tools: {known})"


def result_text(value: Any) -> str:
    """A tool's return value as ``tool_result`` content: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
