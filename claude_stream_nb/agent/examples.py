"""Example tools for the bundled agent scenarios: a tiny weather service with canned data.

The offline scenarios (``agent_weather``, ``agent_parallel``, ``agent_tool_error``,
``agent_three_turns``) were written against exactly these answers, so their last turn reads
right when these tools run::

    from claude_stream_nb import run_agent
    from claude_stream_nb.agent.examples import get_weather, list_cities

    run_agent(model="agent_weather", max_tokens=1024, tools=[get_weather],
              messages=[{"role": "user", "content": "What's the weather in Paris right now?"}])

The data is made up and never changes: these are for demos and tests, not for real weather.
"""

from __future__ import annotations

from typing import Any, Literal

__all__ = ["CITIES", "get_weather", "list_cities"]

CITIES: dict[str, dict[str, Any]] = {
    "Cairo": {"temperature": 31, "conditions": "sunny", "humidity": 18, "wind_kph": 14},
    "Paris": {"temperature": 18, "conditions": "partly cloudy", "humidity": 64, "wind_kph": 12},
    "Shanghai": {"temperature": 24, "conditions": "light rain", "humidity": 88, "wind_kph": 9},
}
"""City -> current weather (temperatures in °C)."""


def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: The city name, e.g. "Paris".
        unit: Temperature unit.
    """
    name = city.split(",")[0].strip().title()
    if name not in CITIES:
        raise ValueError(f"no weather data for {city!r} (known cities: {', '.join(CITIES)})")
    data = dict(CITIES[name])
    if unit == "fahrenheit":
        data["temperature"] = round(data["temperature"] * 9 / 5 + 32)
    return {"city": name, "unit": unit, **data}


def list_cities() -> list[str]:
    """The cities the weather service covers."""
    return list(CITIES)
