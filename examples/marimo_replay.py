"""A marimo notebook: replay a bundled recording into the live view, offline.

    marimo edit examples/marimo_replay.py          # to change it
    marimo run examples/marimo_replay.py           # as an app; ?fixture=thinking_text&speed=0.5 picks one

Pick another fixture or move the speed slider and marimo runs the replay cell again; the last cell
shows the final message that ``replay`` returned. Nothing here goes online.
"""

import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")


@app.cell
def _():
    import marimo as mo

    from claude_stream_nb import bundled_fixtures, replay

    return bundled_fixtures, mo, replay


@app.cell
def _(bundled_fixtures, mo):
    query = mo.query_params()  # marimo run ...?fixture=long_markdown&speed=4
    names = [name for name, _ in bundled_fixtures()]
    fixture = mo.ui.dropdown(
        options=names, value=query.get("fixture") or "thinking_tool_use", label="fixture"
    )
    speed = mo.ui.slider(
        0.25, 8, step=0.25, value=float(query.get("speed") or 1), label="speed", show_value=True
    )
    mo.hstack([fixture, speed], justify="start", gap=2)
    return fixture, speed


@app.cell
def _(fixture, replay, speed):
    # The view shows in this cell's output as the recording plays; `replay` returns the final message.
    message = replay(fixture.value, speed=speed.value)
    return (message,)


@app.cell
def _(message, mo):
    from html import escape

    usage = message.get("usage") or {}
    mo.md(
        f"**Final message**: stop reason <code>{escape(str(message.get('stop_reason')))}</code>, "
        f"{usage.get('input_tokens', 0)} input and {usage.get('output_tokens', 0)} output tokens, "
        f"{len(message.text)} characters of text."
    )
    return


if __name__ == "__main__":
    app.run()
