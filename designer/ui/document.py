"""`GraphDocument`: the one owner of the open project, its undo stack and its analysis.

Views read ``document.graph`` and ``document.analysis`` and mirror the graph's psygnal
events; they change the design only through `push`, so every edit is undoable and the
stack's clean state is the "modified" flag.

A block can be opened for editing in place: then the canvas and the inspector show the
block's own graph (``view_graph``, with ``view_analysis`` inferred on the shapes that
reach the opened instance), `push` applies their edits inside the block (one undo stack
for everything, so every instance follows and undo works from anywhere), and
``block_path`` is the breadcrumb trail back out. ``graph`` and ``analysis`` always stay
the whole design's, for training, exports and the code view.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack

from designer.model import (
    Analysis,
    Graph,
    GraphError,
    Problem,
    Project,
    infer_shapes,
)
from designer.model.definition_edits import InBlock
from designer.model.edits import Edit, Silence
from designer.model.lint import DataFacts, ProbeFacts, SettingsFix, quick_fix, review
from designer.model.settings import DataSettings, TrainingSettings
from designer.model.sweep import SweepSettings
from designer.ui.commands import EditCommand, Settings, SettingsCommand
from designer.ui.document_blocks import BlockNavigation

#: The graph's events that change the network itself (not a move, a rename or a silencing).
_NETWORK_EVENTS = ("node_added", "node_removed", "edge_added", "edge_removed", "param_changed")


class GraphDocument(QObject, BlockNavigation):
    """The open project and everything derived from it.

    Signals:
        analysis_changed: shapes/problems were re-inferred (after any graph change).
        selection_changed(list): the selected node ids changed.
        project_replaced: a different project was loaded (new, open); views rebuild.
        file_state_changed: the path or the modified flag changed (window title).
        error_raised(str): an edit was refused; the text says why, for a status message.
        settings_changed(str): the project's "data" or "training" settings changed (an
            edit, its undo or redo); not emitted when another project is loaded.
        sweep_changed: the project's sweep (its search space) changed, likewise.
        probes_changed: what was measured in the layers (``probe_facts``) changed.
    """

    analysis_changed = Signal()
    selection_changed = Signal(list)
    project_replaced = Signal()
    file_state_changed = Signal()
    error_raised = Signal(str)
    settings_changed = Signal(str)
    sweep_changed = Signal()
    view_changed = Signal()
    probes_changed = Signal()

    def __init__(self, project: Project | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_undo_stack_clean_changed)
        self._selection: list[str] = []
        self._path: Path | None = None
        self._locked_reason: str | None = None
        #: The opened blocks, outermost first: (block name, the instance opened, in the
        #: graph shown before it was opened).
        self._opened: list[tuple[str, str]] = []
        self._data_problems: tuple[Problem, ...] = ()
        self._data_facts: DataFacts | None = None
        #: What a pre-flight check or training last measured in the network (None: not
        #: measured since the project was opened or the network last changed).
        self._probe_facts: ProbeFacts | None = None
        #: What the last review read (inference's analysis, the data's problems and
        #: facts, the training settings, the silencing count) and what it gave.
        self._reviewed: tuple | None = None
        self._silencings = 0
        #: Weights of the last finished training run (a CPU state dict), or None; exports
        #: use them while they still fit the design. Cleared when another project opens.
        self.trained_state: dict | None = None
        self._reinfer = QTimer(self, singleShot=True, interval=0)
        self._reinfer.timeout.connect(self.refresh_analysis)
        self._project = project or Project()
        self._connect_graph()
        self.settings_changed.connect(self._on_settings_changed)
        self.analysis: Analysis = self._review(infer_shapes(self.graph))
        self.view_analysis: Analysis = self.analysis

    # ---------------------------------------------------------------- project
    @property
    def project(self) -> Project:
        return self._project

    @property
    def graph(self) -> Graph:
        return self._project.graph

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def replace_project(self, project: Project, path: Path | None = None) -> None:
        """Show another project (New, Open): clears undo history and selection."""
        self._disconnect_graph()
        self._project = project
        self._path = path
        self._selection = []
        self._opened = []
        self.trained_state = None
        self.set_probe_facts(None)
        self.undo_stack.clear()
        self._connect_graph()
        self.refresh_analysis()
        self.project_replaced.emit()
        self.selection_changed.emit([])
        self.file_state_changed.emit()

    def mark_saved(self, path: Path) -> None:
        self._path = path
        self.undo_stack.setClean()
        self.file_state_changed.emit()

    def mark_modified(self) -> None:
        """For a project that differs from its file without an undo step (a restored
        autosave): force the modified flag."""
        self.undo_stack.resetClean()
        self.file_state_changed.emit()

    # ----------------------------------------------------------------- edits
    def push(self, edit: Edit) -> bool:
        """Apply an edit of the shown graph (`view_graph`) as one undo step. A refused
        edit changes nothing, emits ``error_raised`` with the reason and returns False."""
        if self._opened:
            edit = InBlock(self._opened[-1][0], edit)
        return self.push_design(edit)

    def push_design(self, edit: Edit) -> bool:
        """`push` an edit of the whole design, even while a block is open (the block
        table itself, a fit of the design to its data)."""
        if self._locked_reason:
            self.error_raised.emit(self._locked_reason)
            return False
        try:
            edit.apply(self.graph)
        except GraphError as error:
            self.error_raised.emit(str(error))
            return False
        self.undo_stack.push(EditCommand(self.graph, edit, applied=True))
        return True

    def set_data_settings(
        self,
        settings: DataSettings,
        fit: Edit | None = None,
        description: str = "Change data settings",
    ) -> bool:
        """Use ``settings`` for the project's data as one undo step; with ``fit``, a graph
        edit that makes the design fit that data, in the same step (undo restores both).

        A refused change (locked, or a fit the graph refuses) changes nothing, emits
        ``error_raised`` and returns False; a change to the same values is no step at all.
        """
        return self._push_settings("data", settings, fit, description)

    def set_training_settings(
        self, settings: TrainingSettings, description: str = "Change training settings"
    ) -> bool:
        """Use ``settings`` for the project's training as one undo step (see
        `set_data_settings`)."""
        return self._push_settings("training", settings, None, description)

    def set_sweep(self, sweep: SweepSettings, description: str, merge_key: str = "") -> bool:
        """Use ``sweep`` as the project's sweep, as one undo step; successive edits with the
        same non-empty ``merge_key`` (typing one range) merge into one step."""
        options = {"mergeable": bool(merge_key), "merge_key": merge_key}
        return self._push_settings("sweep", sweep, None, description, **options)

    def set_training_and_params(
        self, settings: TrainingSettings, edit: Edit | None, description: str
    ) -> bool:
        """Use ``settings`` for training and apply ``edit`` (parameters of layers) as one
        undo step of its own, never merged with another (a sweep's best trial)."""
        return self._push_settings("training", settings, edit, description, mergeable=False)

    def _push_settings(
        self,
        section: str,
        new: Settings,
        fit: Edit | None,
        description: str,
        mergeable: bool = True,
        merge_key: str = "",
    ) -> bool:
        old = getattr(self._project, section)
        if new == old and fit is None:
            return True
        if self._locked_reason:
            self.error_raised.emit(self._locked_reason)
            return False
        setattr(self._project, section, new)
        if fit is not None:
            try:
                fit.apply(self.graph)
            except GraphError as error:
                setattr(self._project, section, old)
                self.error_raised.emit(str(error))
                return False
        command = SettingsCommand(
            self._project, section, old, new, self._notify, fit, description, mergeable, merge_key
        )
        self.undo_stack.push(command)
        self._notify(section)
        return True

    def _notify(self, section: str) -> None:
        if section == "sweep":
            self.sweep_changed.emit()
        else:
            self.settings_changed.emit(section)

    def lock(self, reason: str | None) -> None:
        """Refuse edits (e.g. while training runs) with ``reason``; None unlocks."""
        self._locked_reason = reason

    @property
    def locked(self) -> bool:
        return self._locked_reason is not None

    # ------------------------------------------------------------- selection
    @property
    def selection(self) -> list[str]:
        return list(self._selection)

    def set_selection(self, node_ids: Iterable[str]) -> None:
        """Select nodes of the shown graph (`view_graph`)."""
        ids = [n for n in dict.fromkeys(node_ids) if n in self.view_graph.nodes]
        if ids != self._selection:
            self._selection = ids
            self.selection_changed.emit(list(ids))

    def _on_undo_stack_clean_changed(self, _clean: bool) -> None:
        self.file_state_changed.emit()

    # -------------------------------------------------------------- analysis
    def refresh_analysis(self) -> None:
        """Re-infer (through the graph's one shared cache, which `lower` and the code
        view read too), lint, and tell the views, unless nothing inference or the linter
        sees has changed (a move): then the analysis is the very same object and nobody
        re-derives. With a block open, the view's analysis follows too."""
        analysis = self._review(infer_shapes(self.graph))
        if self._check_opened():
            self.analysis = analysis
            self._switch_view()  # which tells the views of the analysis too
            return
        view = self._view_analysis() if self._opened else analysis
        if self._opened and not set(self._selection) <= set(self.view_graph.nodes):
            self.set_selection(self._selection)  # a node inside the block went away
        if analysis is not self.analysis or view is not self.view_analysis:
            self.analysis, self.view_analysis = analysis, view
            self.analysis_changed.emit()

    def _review(self, inferred: Analysis) -> Analysis:
        """``inferred`` with the data's problems and the linter's findings (see
        `designer.model.lint.review`); the last result again while nothing it read
        changed."""
        training = self._project.training
        facts = self._probe_facts
        key = (self._data_problems, self._data_facts, training, self._silencings, facts)
        if self._reviewed is not None:
            last_inferred, last_key, last = self._reviewed
            if last_inferred is inferred and last_key == key:
                return last
        analysis = review(
            self.graph, inferred, training, self._data_facts, self._data_problems, probes=facts
        )
        self._reviewed = (inferred, key, analysis)
        return analysis

    def set_data_problems(self, problems: Iterable[Problem]) -> None:
        """Problems of the data against the design (loss versus targets, input size),
        shown with the graph's own problems on their nodes and in the problems list."""
        problems = tuple(problems)
        if problems != self._data_problems:
            self._data_problems = problems
            self.refresh_analysis()

    def set_data_facts(self, facts: DataFacts | None) -> None:
        """What the data holds, for the linter's rules that read it (None: no data);
        the analysis follows on the next turn of the event loop, or with the next
        `set_data_problems`, whichever comes first."""
        if facts != self._data_facts:
            self._data_facts = facts
            self._reinfer.start()

    @property
    def probe_facts(self) -> ProbeFacts | None:
        return self._probe_facts

    def set_probe_facts(self, facts: ProbeFacts | None) -> None:
        """What a pre-flight check or a training run measured in each layer, for the
        linter's rules that read it (NN4xx); None forgets it. Edits of the network
        forget it too: the measurements were of the network as it was."""
        if facts is not self._probe_facts:
            self._probe_facts = facts
            self._reinfer.start()
            self.probes_changed.emit()

    def apply_fix(self, problem: Problem) -> bool:
        """Apply the quick fix of a linter finding as one undo step (a graph edit, or new
        training settings); False when it has none now or the change is refused."""
        self.refresh_analysis()  # build the fix against the design as it is
        if self._opened:  # a finding on a layer inside the opened block
            fix = quick_fix(problem, self.view_graph, self.view_analysis)
        else:
            inferred = infer_shapes(self.graph)
            training, facts = self._project.training, self._data_facts
            fix = quick_fix(problem, self.graph, inferred, training, facts, self._probe_facts)
        if fix is None:
            self.error_raised.emit("This problem has no quick fix any more")
            return False
        if isinstance(fix, SettingsFix):
            return self.set_training_settings(fix.training, fix.description)
        return self.push(fix)

    def silence(self, node_id: str, rule: str, reason: str | None) -> bool:
        """Silence linter rule ``rule`` on a node of the shown graph with ``reason``
        (saved in the project), or hear it again with None; one undo step."""
        description = "Silence check" if reason is not None else "Hear check again"
        return self.push(Silence(node_id, rule, reason, f"{description} {rule}"))

    def _on_settings_changed(self, _section: str) -> None:
        self._reinfer.start()  # the linter reads the training settings

    def _on_graph_silenced(self, *_args: object) -> None:
        self._silencings += 1

    def _on_graph_changed(self, *_args: object) -> None:
        # NOTE: coalesce a burst of model events (paste, delete of many) into one
        # re-inference on the next event-loop turn.
        self._reinfer.start()

    def _on_network_changed(self, *_args: object) -> None:
        self.set_probe_facts(None)

    def _on_node_removed(self, node_id: str) -> None:
        if node_id in self._selection and node_id not in self.view_graph.nodes:
            self.set_selection(n for n in self._selection if n != node_id)

    def _connect_graph(self) -> None:
        events = self.graph.events
        events.all.connect(self._on_graph_changed)
        events.node_removed.connect(self._on_node_removed)
        self.graph.blocks.events.changed.connect(self._on_graph_changed)
        self.graph.blocks.events.changed.connect(self._on_network_changed)
        events.node_silenced.connect(self._on_graph_silenced)
        for signal in _NETWORK_EVENTS:
            getattr(events, signal).connect(self._on_network_changed)

    def _disconnect_graph(self) -> None:
        events = self.graph.events
        events.all.disconnect(self._on_graph_changed)
        events.node_removed.disconnect(self._on_node_removed)
        self.graph.blocks.events.changed.disconnect(self._on_graph_changed)
        self.graph.blocks.events.changed.disconnect(self._on_network_changed)
        events.node_silenced.disconnect(self._on_graph_silenced)
        for signal in _NETWORK_EVENTS:
            getattr(events, signal).disconnect(self._on_network_changed)
