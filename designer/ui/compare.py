"""`CompareDialog`: two designs side by side, their differences coloured and listed.

Each side is a read-only canvas (`GraphView` with ``read_only``) over a document of its
own, so nothing here can change either design, and the dialog shows a snapshot: editing
the open design afterwards does not change a comparison already on screen. Nodes and
wires are marked from a `DesignDiff` (added green, removed red, changed amber, in the
theme's colours, each with a word so colour is never the only cue); the list beside the
canvases holds the same entries ``nn-designer diff`` prints. Choosing an entry selects and
centres its nodes on both sides; selecting a node on one side selects its partner on the
other.

`CompareDialog` takes any two projects, so a run's snapshot can be compared with the
current design the same way as a file (`compare_with_file` is the File menu's way in).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from designer.io import project_from_dict, project_to_dict
from designer.model import Project
from designer.model.diff import ADDED, CHANGED, NEW, OLD, REMOVED, diff_projects
from designer.model.diff_text import LAYER, DiffEntry, diff_entries, summary
from designer.ui import theme as themes
from designer.ui.canvas import GraphView, style
from designer.ui.document import GraphDocument
from designer.ui.window_actions import install_canvas_keys

READ_ONLY_REASON = "A comparison cannot be edited; change the design in the main window"
LIST_WIDTH = 300
#: What each side's header counts, in this order.
_COUNTED = {OLD: (REMOVED, CHANGED), NEW: (ADDED, CHANGED)}


class CompareDialog(QDialog):
    """Two projects compared: ``old`` on the left (or on top), ``new`` on the right (or
    below); ``titles`` names them. ``settings=False`` leaves the data and training
    settings out. Both projects are copied first, so later edits of either change nothing
    shown. The dialog is not modal; Escape closes it."""

    def __init__(
        self,
        old: Project,
        new: Project,
        titles: tuple[str, str],
        parent: QWidget | None = None,
        settings: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compareDialog")
        self.setWindowTitle(f"Compare {titles[0]} with {titles[1]}")
        old, new = snapshot(old), snapshot(new)  # what is shown must not follow edits
        self.diff = diff_projects(old, new, settings)
        self.entries: tuple[DiffEntry, ...] = diff_entries(self.diff)
        self._syncing = False
        self.old_view = self._make_view(old)
        self.new_view = self._make_view(new)
        self.old_view.graph_scene.set_marks(self.diff.node_marks(OLD), self.diff.wire_marks(OLD))
        self.new_view.graph_scene.set_marks(self.diff.node_marks(NEW), self.diff.wire_marks(NEW))
        self.old_header = self._header(OLD, titles[0])
        self.new_header = self._header(NEW, titles[1])
        self.differences = QListWidget()
        self.differences.setObjectName("differences")
        self.differences.setUniformItemSizes(True)
        self.summary_label = QLabel(f"<b>{_capitalised(summary(self.diff))}</b>")
        self.summary_label.setWordWrap(True)
        self._swatches = {kind: QLabel() for kind in (ADDED, REMOVED, CHANGED)}
        self.canvases = QSplitter()
        self.layout_button = QPushButton("&Stacked")
        self._build()
        self._fill_list()
        self._refresh_colours()
        self._connect()
        self.set_stacked(self._wide_designs())
        self._resize_to_parent(parent)

    # ------------------------------------------------------------------ building
    def _make_view(self, project: Project) -> GraphView:
        document = GraphDocument(project, self)
        document.lock(READ_ONLY_REASON)
        view = GraphView(document, self, read_only=True)
        view.setMinimumSize(200, 150)
        install_canvas_keys(view)
        return view

    def _header(self, side: str, title: str) -> QWidget:
        """The design's name in bold, then how many of its layers are marked."""
        marks = list(self.diff.node_marks(side).values())
        counts = [f"{marks.count(kind)} {kind}" for kind in _COUNTED[side] if kind in marks]
        name = QLabel()
        name.setObjectName(f"{side}Title")
        name.setTextFormat(Qt.TextFormat.PlainText)  # a file name is not markup
        name.setText(title)
        name.setToolTip(title)
        font = name.font()
        font.setBold(True)
        name.setFont(font)
        header = QWidget()
        row = QHBoxLayout(header)
        row.setContentsMargins(2, 0, 0, 0)
        row.addWidget(name)
        row.addSpacing(12)
        row.addWidget(QLabel(", ".join(counts) or "no layer differs"))
        row.addStretch(1)
        return header

    def _build(self) -> None:
        for side, (header, view) in (
            (OLD, (self.old_header, self.old_view)),
            (NEW, (self.new_header, self.new_view)),
        ):
            pane = QWidget()
            pane.setObjectName(f"{side}Pane")
            column = QVBoxLayout(pane)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(4)
            column.addWidget(header)
            column.addWidget(view, 1)
            self.canvases.addWidget(pane)
        self.canvases.setChildrenCollapsible(False)
        side_panel = QWidget()
        column = QVBoxLayout(side_panel)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.summary_label)
        legend = QHBoxLayout()
        for kind, swatch in self._swatches.items():
            legend.addWidget(swatch)  # a QLabel shows a pixmap or text, not both
            legend.addWidget(QLabel(kind))
            legend.addSpacing(10)
        legend.addStretch(1)
        column.addLayout(legend)
        column.addWidget(self.differences, 1)
        side_panel.setMinimumWidth(220)
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(self.canvases)
        main.addWidget(side_panel)
        main.setStretchFactor(0, 1)
        main.setSizes([1000, LIST_WIDTH])
        main.setChildrenCollapsible(False)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        self.layout_button.setCheckable(True)
        self.layout_button.setToolTip("Show the two designs one above the other")
        self.layout_button.setAutoDefault(False)
        buttons.addButton(self.layout_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(main, 1)
        layout.addWidget(buttons)

    def _fill_list(self) -> None:
        for index, entry in enumerate(self.entries):
            item = QListWidgetItem(entry.text)
            item.setToolTip(entry.line)
            item.setData(Qt.ItemDataRole.UserRole, index)
            self.differences.addItem(item)
        if not self.entries:
            item = QListWidgetItem("The designs are the same.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.differences.addItem(item)

    def _refresh_colours(self) -> None:
        """Swatches in the theme's colours (again after a theme switch: from the dialog's
        own palette, since the canvases may hear of the switch after the dialog)."""
        theme = style.theme_for_palette(self.palette())
        for kind, label in self._swatches.items():
            icon = themes.swatch(theme.colour(kind).name(), 16)
            label.setPixmap(icon.pixmap(QSize(16, 16), self.devicePixelRatioF()))
        for row in range(self.differences.count()):
            item = self.differences.item(row)
            index = item.data(Qt.ItemDataRole.UserRole)
            if index is not None:
                icon = themes.swatch(theme.colour(self.entries[index].kind).name())
                for size in (12, 24):  # the same chip when selected, not a tinted one
                    icon.addPixmap(icon.pixmap(size, size), QIcon.Mode.Selected)
                item.setIcon(icon)

    def _connect(self) -> None:
        self.differences.currentRowChanged.connect(self._on_differences_current_row_changed)
        self.old_view.document.selection_changed.connect(self._on_old_selection_changed)
        self.new_view.document.selection_changed.connect(self._on_new_selection_changed)
        self.layout_button.toggled.connect(self.set_stacked)

    def _resize_to_parent(self, parent: QWidget | None) -> None:
        if parent is not None and parent.width() > 400:
            self.resize(int(parent.width() * 0.9), int(parent.height() * 0.9))
        else:
            self.resize(1400, 900)

    # ------------------------------------------------------------------- layout
    def set_stacked(self, stacked: bool) -> None:
        """Show the designs one above the other (wide designs), or side by side."""
        orientation = Qt.Orientation.Vertical if stacked else Qt.Orientation.Horizontal
        self.canvases.setOrientation(orientation)
        self.layout_button.setChecked(stacked)
        for view in (self.old_view, self.new_view):
            view.fit_to_view()

    @property
    def stacked(self) -> bool:
        return self.canvases.orientation() == Qt.Orientation.Vertical

    def _wide_designs(self) -> bool:
        """Whether the designs are wider than tall (as left-to-right networks are), and
        so fit better one above the other."""
        rect = self.old_view.graph_scene.content_rect().united(
            self.new_view.graph_scene.content_rect()
        )
        return rect.width() > rect.height()

    # ---------------------------------------------------------------- selection
    def _on_differences_current_row_changed(self, row: int) -> None:
        if row < 0 or self._syncing:
            return
        index = self.differences.item(row).data(Qt.ItemDataRole.UserRole)
        if index is None:
            return
        entry = self.entries[index]
        with self._sync():
            self.old_view.show_nodes(list(entry.old_ids))
            self.new_view.show_nodes(list(entry.new_ids))

    def _on_old_selection_changed(self, node_ids: list) -> None:
        self._follow_selection(OLD, node_ids)

    def _on_new_selection_changed(self, node_ids: list) -> None:
        self._follow_selection(NEW, node_ids)

    def _follow_selection(self, side: str, node_ids: list) -> None:
        """A node picked on one canvas: select its partner on the other and its first
        entry in the list (without moving either canvas)."""
        if self._syncing:
            return
        partner = self.diff.new_id_of if side == OLD else self.diff.old_id_of
        other = self.new_view if side == OLD else self.old_view
        with self._sync():
            other.graph_scene.select_nodes([partner[n] for n in node_ids if n in partner])
            self.differences.setCurrentRow(self._entry_row(side, node_ids))

    def _entry_row(self, side: str, node_ids: list) -> int:
        """The row of the first entry about one of ``node_ids`` (a layer's own entries
        before its wires), or -1."""
        wanted = set(node_ids)
        rows = [
            (entry.subject != LAYER, row)
            for row, entry in enumerate(self.entries)
            if wanted.intersection(entry.old_ids if side == OLD else entry.new_ids)
        ]
        return min(rows)[1] if rows else -1

    @contextmanager
    def _sync(self) -> Iterator[None]:
        """While one side follows the other, neither answers back."""
        self._syncing = True
        try:
            yield
        finally:
            self._syncing = False

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._refresh_colours()


def snapshot(project: Project) -> Project:
    """An independent copy of ``project`` (through the file format, so it is exactly what
    saving it would keep): a comparison must not follow later edits."""
    return project_from_dict(project_to_dict(project))


def compare_with_file(window) -> CompareDialog | None:
    """File > Compare With: ask for a project file and show it (old, on the left) beside
    a snapshot of the open design (new); None when cancelled or the file is bad."""
    picked = window.files.pick_project()
    if picked is None:
        return None
    path, other = picked
    titles = (path.name, f"{window.files.display_name()} (open)")
    dialog = CompareDialog(other, window.document.project, titles, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
