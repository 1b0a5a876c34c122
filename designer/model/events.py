"""Change events a view mirrors. psygnal keeps this pure Python (no Qt below the UI)."""

from __future__ import annotations

from psygnal import Signal, SignalGroup


class GraphEvents(SignalGroup):
    """Emitted after each change to a `Graph`; ``all`` fires for any of them."""

    node_added = Signal(str)
    node_removed = Signal(str)
    edge_added = Signal(object)
    edge_removed = Signal(object)
    param_changed = Signal(str, str, object)
    node_moved = Signal(str, float, float)
    node_renamed = Signal(str, str)
    #: (node id, rule id, reason or None): a linter rule was silenced or heard again.
    node_silenced = Signal(str, str, object)
