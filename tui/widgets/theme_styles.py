"""Rich styles in the app theme's colours, for text that widgets draw with Rich.

CSS gets colours from theme variables (`$success`, `$text-warning`, …); text built in Python
(`rich.text.Text`) names them the same way, ``"bold $text-error"``, and `theme_style` turns
that into a Rich `Style` of the current theme. `$text-success`, `$text-warning`, `$text-error`
and `$text-accent` are the theme's colours for text on its background: readable in light
themes as in dark ones (plain ``yellow`` is not). Widgets that keep such text re-draw it when
the theme changes (`on_theme_change`).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style
from textual.color import Color, ColorParseError
from textual.dom import DOMNode

SUCCESS = "$text-success"
WARNING = "$text-warning"
ERROR = "$text-error"
ACCENT = "$text-accent"
PRIMARY = "$text-primary"
SECONDARY = "$text-secondary"

_cache: dict[tuple[str, str], Style] = {}


def theme_style(node: DOMNode, style: str) -> Style:
    """``"bold $text-warning"`` → a Rich `Style` with the current theme's colour for
    `$text-warning`; words without ``$`` are Rich style words (``bold``, ``dim``)."""
    if "$" not in style:
        return Style.parse(style)
    app = node.app
    key = (app.theme, style)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    variables = app.get_css_variables()
    words = []
    for word in style.split():
        if word.startswith("$"):
            try:
                words.append(Color.parse(variables[word[1:]]).hex)
            except (KeyError, ColorParseError):  # not a colour of this theme: leave it out
                continue
        else:
            words.append(word)
    resolved = Style.parse(" ".join(words))
    _cache[key] = resolved
    return resolved


def on_theme_change(node: DOMNode, redraw: Callable[[], object]) -> None:
    """Call `redraw()` whenever the app's theme changes, while `node` is mounted."""
    node.app.theme_changed_signal.subscribe(node, lambda _theme: redraw())
