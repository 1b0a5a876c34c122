"""The glossary in widgets: terms as links in rich text, and their explanations as tooltips.

The explanations themselves live in `designer.catalog.glossary`; this module only says
how the views show them, so a help page, a form label and a plot explain a term alike.
"""

from __future__ import annotations

import html

from designer.catalog import ParamSpec
from designer.catalog.glossary import GLOSSARY, split_terms

TERM_SCHEME = "term:"


def term_link(name: str) -> str:
    """The link a glossary term gets in rich text (``term:learning rate``)."""
    return f"{TERM_SCHEME}{name}"


def linked_text(text: str, seen: set[str]) -> str:
    """``text`` as HTML, each glossary term not yet in ``seen`` made a link (and added)."""
    pieces = []
    for piece, term in split_terms(text, seen):
        escaped = html.escape(piece)
        pieces.append(f'<a href="{term_link(term.name)}">{escaped}</a>' if term else escaped)
    return "".join(pieces)


def term_tooltip(link: str) -> str | None:
    """The explanation a term link shows, or None for another link (a web page)."""
    if not link.startswith(TERM_SCHEME):
        return None
    term = GLOSSARY.get(link.removeprefix(TERM_SCHEME))
    return None if term is None else f"<b>{html.escape(term.name)}</b>: {html.escape(term.text)}"


def glossary_tooltip(*names: str, lead: str = "") -> str:
    """A tooltip explaining the glossary terms ``names``, after an optional ``lead``
    sentence (a `KeyError` names an unknown term)."""
    parts = [html.escape(lead)] if lead else []
    for name in names:
        tooltip = term_tooltip(term_link(name))
        if tooltip is None:
            raise KeyError(name)
        parts.append(tooltip)
    return "<br><br>".join(parts)


def param_tooltip(param: ParamSpec) -> str:
    """A parameter label's tooltip: its help, then the terms its name and help say."""
    text = param.help or param.title
    names = [t.name for _, t in split_terms(f"{param.title}. {text}") if t is not None]
    return glossary_tooltip(*names, lead=text) if names else text
