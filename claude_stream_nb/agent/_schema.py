"""Tool schemas from Python type hints, and a small validator for the schemas it writes.

:func:`function_schema` turns a signature into the ``input_schema`` the Messages API wants:
``str``, ``int``, ``float``, ``bool``, ``None``, ``list[X]``, ``tuple[X, ...]``, ``dict[str, X]``,
``Literal[...]``, :class:`enum.Enum`, ``X | None`` (``Optional``), other unions (``anyOf``) and
``Annotated[X, "description"]``. Parameters without a default are required; nothing else is
allowed (``additionalProperties: false``) unless the function takes ``**kwargs``.

:func:`validate` checks a value against that subset -- ``type`` (one or a list), ``enum``,
``anyOf``, ``properties``, ``required``, ``additionalProperties``, ``items`` -- and ignores other
keywords, so a hand-written schema is checked as far as the subset goes. Errors say where and
what was expected, in words the model can act on.
"""

from __future__ import annotations

import enum
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["Convert", "function_schema", "parse_docstring", "validate"]

Convert = Callable[[Any], Any]
"""Turns a validated JSON value into what the function expects (an Enum member, an int...)."""

_SIMPLE: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}


def function_schema(fn: Callable[..., Any]) -> tuple[dict[str, Any], dict[str, Convert]]:
    """``(input_schema, converters)`` for ``fn``'s parameters; TypeError names any it cannot describe."""
    signature = inspect.signature(fn)
    hints = typing.get_type_hints(fn, include_extras=True)
    _, docs = parse_docstring(inspect.getdoc(fn) or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    converters: dict[str, Convert] = {}
    extras = False
    for name, param in signature.parameters.items():
        if param.kind is param.VAR_KEYWORD:
            extras = True
            continue
        if param.kind is param.VAR_POSITIONAL:
            raise TypeError(f"{_name(fn)}: *{name} cannot be described as a tool argument")
        try:
            schema, convert = type_schema(hints.get(name, Any))
        except TypeError as exc:
            raise TypeError(f"{_name(fn)}: parameter {name!r}: {exc}") from None
        if name in docs and "description" not in schema:
            schema["description"] = docs[name]
        if param.default is param.empty:
            required.append(name)
        elif _jsonable(param.default):
            schema["default"] = json.loads(json.dumps(param.default, default=lambda member: member.value))
        properties[name] = schema
        if convert is not None:
            converters[name] = convert
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = extras
    return schema, converters


def type_schema(tp: Any) -> tuple[dict[str, Any], Convert | None]:
    """The JSON schema of one annotation, and a converter when the value needs one."""
    if tp is Any or tp is inspect.Parameter.empty:
        return {}, None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Annotated:
        schema, convert = type_schema(args[0])
        notes = [a for a in args[1:] if isinstance(a, str)]
        return ({**schema, "description": notes[0]} if notes else schema), convert
    if origin is typing.Union or origin is types.UnionType:
        return _union(args)
    if origin is typing.Literal:
        return _choices(list(args)), None
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        members = {member.value: member for member in tp}
        return _choices(list(members)), members.__getitem__
    if tp in _SIMPLE:
        return {"type": _SIMPLE[tp]}, (_to_int if tp is int else None)
    if tp in (list, tuple) or origin in (list, tuple, Sequence):
        return _array(tp, origin, args)
    if tp is dict or origin in (dict, Mapping):
        if args and args[0] is not str:
            raise TypeError("object keys must be str")
        if len(args) == 2:
            values, convert = type_schema(args[1])
            if convert is not None:
                return {"type": "object", "additionalProperties": values}, _map_values(convert)
            return {"type": "object", "additionalProperties": values}, None
        return {"type": "object"}, None
    raise TypeError(f"{tp!r} has no JSON schema here; give the tool an explicit input_schema (Tool(...))")


def _union(args: tuple[Any, ...]) -> tuple[dict[str, Any], Convert | None]:
    members = [a for a in args if a is not type(None)]
    nullable = len(members) < len(args)
    if len(members) == 1:
        schema, convert = type_schema(members[0])
        if nullable:
            schema = _nullable(schema)
            convert = _or_none(convert) if convert else None
        return schema, convert
    branches = [type_schema(a)[0] for a in members] + ([{"type": "null"}] if nullable else [])
    return {"anyOf": branches}, None


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    out = dict(schema)
    if "enum" in out:
        out["enum"] = [*out["enum"], None]
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif not kind and "enum" not in out:
        return out  # any value already
    return out


def _choices(values: list[Any]) -> dict[str, Any]:
    kinds = {_SIMPLE.get(type(v)) for v in values}
    if len(kinds) == 1 and None not in kinds:
        return {"type": kinds.pop(), "enum": values}
    return {"enum": values}


def _array(tp: Any, origin: Any, args: tuple[Any, ...]) -> tuple[dict[str, Any], Convert | None]:
    if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
        raise TypeError("only tuple[X, ...] is supported (a fixed-length tuple is not)")
    schema: dict[str, Any] = {"type": "array"}
    convert: Convert | None = None
    if args:
        schema["items"], convert = type_schema(args[0])
    item = convert
    make = tuple if (tp is tuple or origin is tuple) else list
    if item is None:
        return schema, (tuple if make is tuple else None)
    return schema, lambda value: make(item(v) for v in value)


def _to_int(value: Any) -> Any:
    return int(value) if isinstance(value, float) else value


def _or_none(convert: Convert) -> Convert:
    return lambda value: None if value is None else convert(value)


def _map_values(convert: Convert) -> Convert:
    return lambda value: {k: convert(v) for k, v in value.items()}


def _jsonable(value: Any) -> bool:
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list | tuple):
        return all(_jsonable(v) for v in value)
    return isinstance(value, dict) and all(isinstance(k, str) and _jsonable(v) for k, v in value.items())


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


_ARGS = re.compile(r"^(Args|Arguments|Parameters):\s*$")
_ARG = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def parse_docstring(doc: str) -> tuple[str, dict[str, str]]:
    """``(description, {parameter: description})`` from a Google-style docstring ("Args:" section)."""
    lines = doc.splitlines()
    start = next((i for i, line in enumerate(lines) if _ARGS.match(line.strip())), None)
    if start is None:
        return doc.strip(), {}
    params: dict[str, str] = {}
    current: str | None = None
    end = len(lines)
    for i in range(start + 1, len(lines)):
        line = lines[i]
        if line.strip() and not line[:1].isspace():  # the section ended (e.g. "Returns:")
            end = i
            break
        match = _ARG.match(line.strip())
        if match and (current is None or _indent(line) <= _indent(lines[start + 1])):
            current = match.group(1).lstrip("*")
            params[current] = match.group(2).strip()
        elif current is not None and line.strip():
            params[current] = f"{params[current]} {line.strip()}".strip()
    rest = "\n".join(lines[:start] + lines[end:]).strip()
    return rest, params


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


# --- validation -----------------------------------------------------------------------------

_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def validate(schema: Mapping[str, Any], value: Any, path: str = "") -> list[str]:
    """What is wrong with ``value`` under ``schema`` (an empty list: nothing)."""
    where = f"{path}: " if path else ""
    if "anyOf" in schema:
        branches = schema["anyOf"]
        if not any(not validate(branch, value, path) for branch in branches):
            wanted = " or ".join(_describe(b) for b in branches)
            return [f"{where}expected {wanted}, got {_show(value)}"]
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_CHECKS.get(kind, lambda v: True)(value) for kind in kinds):
            return [f"{where}expected {' or '.join(kinds)}, got {_show(value)}"]
    if "enum" in schema and not any(_same(value, choice) for choice in schema["enum"]):
        choices = ", ".join(_json(c, 40) for c in schema["enum"])
        return [f"{where}{_json(value)} is not one of {choices}"]
    if isinstance(value, dict):
        return _object(schema, value, path)
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        return [e for i, item in enumerate(value) for e in validate(schema["items"], item, f"{path}[{i}]")]
    return []


def _object(schema: Mapping[str, Any], value: dict[str, Any], path: str) -> list[str]:
    errors: list[str] = []
    properties = schema.get("properties") or {}
    prefix = f"{path}." if path else ""
    for name in schema.get("required") or ():
        if name not in value:
            errors.append(f"missing required argument {prefix}{name!r}")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            errors += validate(properties[name], item, f"{prefix}{name}")
        elif extra is False:
            allowed = ", ".join(properties) or "none"
            errors.append(f"unexpected argument {prefix}{name!r} (allowed: {allowed})")
        elif isinstance(extra, Mapping):
            errors += validate(extra, item, f"{prefix}{name}")
    return errors


def _same(value: Any, choice: Any) -> bool:
    """Equal as JSON values: ``True`` is not ``1``."""
    return value == choice and isinstance(value, bool) == isinstance(choice, bool)


def _describe(schema: Mapping[str, Any]) -> str:
    kinds = schema.get("type")
    if kinds:
        return kinds if isinstance(kinds, str) else "/".join(kinds)
    return "one of " + ", ".join(_json(c, 20) for c in schema["enum"]) if "enum" in schema else "any"


def _show(value: Any, limit: int = 60) -> str:
    """A JSON value as the model wrote it, with its JSON type where that helps."""
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "an array"
    kind = {str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")
    return f"{kind} {_json(value, limit)}"


def _json(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
