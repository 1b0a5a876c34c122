"""The sweep window: a project's search space, its trials in worker processes, the results
as a table and a parallel-coordinates plot, and the best trial applied as one undo step."""

from designer.ui.sweep.dialog import SweepDialog

__all__ = ["SweepDialog"]
