"""`PalettePanel`: every catalogue layer type, grouped by category, searchable.

The panel reads only the catalogue, so a new layer type appears here without UI code;
the block library is one more group, ``Blocks``, given by the window (`set_blocks`).
Dragging an entry carries its type id under `LAYER_MIME_TYPE` for the canvas to drop;
double-clicking (or Enter) emits ``layer_activated`` and the window adds it after the
selected layer. Long names ("Multi-head self-attention") wrap onto a second line rather
than being cut off, whatever the width of the dock.

With some seventy types the list is long, so categories fold (a click on the row, the
arrow keys, or the context menu for all of them) and the folded ones are remembered in
the settings. The search box matches every word against a layer's name, type id, former
names and help text, and the category; while it holds text, every category with a match
unfolds, and clearing it brings back the user's own folding.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QMenu,
    QStyle,
    QStyleOptionViewItem,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.catalog import Catalog, LayerSpec, default_catalog
from designer.model.block_table import BOUNDARY_SPECS, block_type
from designer.resources import category_icon_name
from designer.ui import theme
from designer.ui.canvas.style import category_colour
from designer.ui.panels.palette_tree import (
    CATEGORY_ROLE,
    LAYER_MIME_TYPE,
    SEARCH_ROLE,
    TYPE_ROLE,
    LayerTree,
    WrappingDelegate,
    is_category,
    layer_mime_data,
)

#: Settings key: the categories the user has folded (a list of category names).
FOLDED_KEY = "palette/foldedCategories"
#: The group of the block library (see `PalettePanel.set_blocks`).
BLOCKS_CATEGORY = "Blocks"
#: Where a block's CapWords name breaks into words ("TransformerEncoder").
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

__all__ = ["FOLDED_KEY", "LAYER_MIME_TYPE", "PalettePanel", "layer_mime_data"]


def _string_list(value: object) -> list[str]:
    """QSettings hands back a list, a single string or None depending on the backend."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if v]  # type: ignore[union-attr]


class PalettePanel(QWidget):
    """Layer types by category with a search box; drag to the canvas or double-click.

    Signals:
        layer_activated(str): the user asked to add a layer of this type id.
    """

    layer_activated = Signal(str)

    def __init__(
        self,
        catalog: Catalog | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``settings`` keeps the folded categories between sessions (none: not kept)."""
        super().__init__(parent)
        self.setObjectName("palette")
        self._catalog = catalog or default_catalog()
        self._settings = settings
        self._folded = set(_string_list(settings.value(FOLDED_KEY))) if settings else set()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.search.installEventFilter(self)
        self.tree = LayerTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tree.setItemDelegate(WrappingDelegate(self.tree))
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.itemDoubleClicked.connect(self._on_tree_item_double_clicked)
        self.tree.enter_pressed.connect(self._on_tree_enter_pressed)
        self.tree.itemExpanded.connect(self._on_tree_item_folding_changed)
        self.tree.itemCollapsed.connect(self._on_tree_item_folding_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_tree_context_menu_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._populate()
        self.setMinimumWidth(self.readable_width())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.setMinimumWidth(self.readable_width())  # a theme brings other metrics

    # ----------------------------------------------------------------- content
    def _populate(self) -> None:
        for category, specs in self._catalog.categories():
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setData(0, CATEGORY_ROLE, category)
            group.setData(0, SEARCH_ROLE, category.lower())
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for spec in specs:
                self._add_layer_item(group, spec)
            self._show_count(group, len(specs))
        self._restore_folding()
        self.refresh_icons()

    def _add_layer_item(self, group: QTreeWidgetItem, spec: LayerSpec) -> None:
        formula = f"<br><i>{html.escape(spec.docs.formula)}</i>" if spec.docs.formula else ""
        self._add_item(group, spec.type_id, spec.display_name, spec.help, spec.aliases, formula)

    def _add_item(
        self,
        group: QTreeWidgetItem,
        type_id: str,
        name: str,
        help_text: str,
        aliases=(),
        tip: str = "",
    ) -> None:
        """An entry of ``type_id`` under ``group``; ``tip`` ends its tooltip (HTML)."""
        item = QTreeWidgetItem(group, [name])
        item.setData(0, TYPE_ROLE, type_id)
        words = [name, type_id, *aliases, help_text]
        item.setData(0, SEARCH_ROLE, " ".join(words).lower())
        item.setToolTip(0, f"<b>{name}</b><br>{help_text}{tip}")
        item.setStatusTip(0, help_text)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        item.setFlags(flags | Qt.ItemFlag.ItemIsDragEnabled)

    def set_blocks(self, blocks: list[tuple[str, str]]) -> None:
        """Show the block library as the last group, ``Blocks``: each (name, help) as
        the type ``block:<name>``, then the two port types a block's inside uses."""
        for group in self._groups():
            if group.data(0, CATEGORY_ROLE) == BLOCKS_CATEGORY:
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(group))
        group = QTreeWidgetItem(self.tree, [BLOCKS_CATEGORY])
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        group.setData(0, CATEGORY_ROLE, BLOCKS_CATEGORY)
        group.setData(0, SEARCH_ROLE, BLOCKS_CATEGORY.lower())
        font = group.font(0)
        font.setBold(True)
        group.setFont(0, font)
        for name, help_text in blocks:
            shown = _CAMEL_BOUNDARY.sub(" ", name)  # wraps like the layers' names
            self._add_item(group, block_type(name), shown, help_text, (name, "block"))
        for spec in BOUNDARY_SPECS.values():
            self._add_layer_item(group, spec)
        self._show_count(group, group.childCount())
        group.setExpanded(not self._is_folded(group))
        self.refresh_icons()

    def refresh_icons(self) -> None:
        """Category icons drawn in each category's canvas colour, so the palette and the
        node title bars match; layers get a chip of the same colour."""
        for group in self._groups():
            category = group.data(0, CATEGORY_ROLE)
            colour = category_colour(category).name()
            try:
                group.setIcon(0, theme.icon("categories", category_icon_name(category), colour))
            except FileNotFoundError:
                group.setIcon(0, theme.swatch(colour, 16))
            chip = theme.swatch(colour)
            for index in range(group.childCount()):
                group.child(index).setIcon(0, chip)

    def readable_width(self) -> int:
        """The narrowest panel in which every word of every layer name fits on a line
        (names then wrap between words, never inside one), with room for a scroll bar."""
        tree, widest = self.tree, 0
        metrics, style = tree.fontMetrics(), tree.style()
        # the style's margin on each side of item text (as QCommonStyle draws it)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
        for group in self._groups():
            for index in range(group.childCount()):
                item = group.child(index)
                option = QStyleOptionViewItem()
                tree.initViewItemOption(option)
                tree.itemDelegate().initStyleOption(option, tree.indexFromItem(item))
                option.rect = QRect(0, 0, 1000, 40)
                text = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, tree)
                chrome = option.rect.width() - text.width() + 2 * margin
                words = [w for w in re.split(r"\s+|(?<=-)", item.text(0)) if w]
                longest = max(metrics.horizontalAdvance(w) for w in words)
                widest = max(widest, chrome + longest)
        scroll = style.pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        margins = self.layout().contentsMargins()
        indent = tree.indentation() * 2  # layers sit one level below their category
        frame = 2 * tree.frameWidth()
        return widest + indent + scroll + frame + margins.left() + margins.right()

    def _groups(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]

    # ------------------------------------------------------------------ search
    def visible_type_ids(self) -> list[str]:
        """Type ids of the entries the current search leaves visible, in order."""
        return [
            group.child(i).data(0, TYPE_ROLE)
            for group in self._groups()
            if not group.isHidden()
            for i in range(group.childCount())
            if not group.child(i).isHidden()
        ]

    def _on_search_text_changed(self, text: str) -> None:
        words = text.lower().split()
        for group in self._groups():
            category_hit = all(w in group.data(0, SEARCH_ROLE) for w in words)
            shown = 0
            for index in range(group.childCount()):
                child = group.child(index)
                hit = category_hit or all(w in child.data(0, SEARCH_ROLE) for w in words)
                child.setHidden(not hit)
                shown += hit
            group.setHidden(shown == 0)
            self._show_count(group, shown)
            if words:
                group.setExpanded(True)  # not remembered: see the folding handler
        if not words:
            self._restore_folding()
        self._select_first_visible()

    # ----------------------------------------------------------------- folding
    def folded_categories(self) -> list[str]:
        """The categories the user has folded, in palette order."""
        return [g.data(0, CATEGORY_ROLE) for g in self._groups() if self._is_folded(g)]

    def _is_folded(self, group: QTreeWidgetItem) -> bool:
        return group.data(0, CATEGORY_ROLE) in self._folded

    def set_all_folded(self, folded: bool) -> None:
        """Fold or unfold every category (the context menu's two entries)."""
        for group in self._groups():
            group.setExpanded(not folded)

    def _restore_folding(self) -> None:
        for group in self._groups():
            group.setExpanded(not self._is_folded(group))

    def _on_tree_item_folding_changed(self, item: QTreeWidgetItem) -> None:
        if self.search.text().strip() or not is_category(item):
            return  # a search unfolds what it finds; that is not the user's choice
        category = item.data(0, CATEGORY_ROLE)
        folded = set(self._folded)
        if item.isExpanded():
            folded.discard(category)
        else:
            folded.add(category)
        if folded != self._folded:
            self._folded = folded
            if self._settings is not None:
                self._settings.setValue(FOLDED_KEY, self.folded_categories())

    def _on_tree_context_menu_requested(self, position: QPoint) -> None:
        menu = QMenu(self.tree)
        menu.addAction("Unfold all categories", lambda: self.set_all_folded(False))
        menu.addAction("Fold all categories", lambda: self.set_all_folded(True))
        menu.exec(self.tree.viewport().mapToGlobal(position))

    @staticmethod
    def _show_count(group: QTreeWidgetItem, count: int) -> None:
        """``Activation  16``: how many layers a folded category holds (or matches)."""
        group.setText(0, f"{group.data(0, CATEGORY_ROLE)}  {count}")

    def _select_first_visible(self, force: bool = False) -> None:
        visible = self.visible_type_ids()
        if not visible or not (force or self.search.text()):
            self.tree.clearSelection()
            return
        for group in self._groups():
            for index in range(group.childCount()):
                child = group.child(index)
                if child.data(0, TYPE_ROLE) == visible[0]:
                    self.tree.setCurrentItem(child)
                    return

    def focus_search(self) -> None:
        """Put the cursor in the search box with its text selected (Find Layer)."""
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the search box moves into the list, so the keyboard alone suffices."""
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self.tree.setFocus()
            if self.tree.currentItem() is None or self.tree.currentItem().isHidden():
                self._select_first_visible(force=True)
            return True
        return super().eventFilter(watched, event)

    def _on_search_return_pressed(self) -> None:
        """Enter in the search box adds the best match, so the keyboard alone suffices."""
        visible = self.visible_type_ids()
        if visible:
            self.layer_activated.emit(visible[0])

    def _on_tree_item_double_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.layer_activated.emit(type_id)

    def _on_tree_enter_pressed(self) -> None:
        item = self.tree.currentItem()
        if item is not None and is_category(item):
            item.setExpanded(not item.isExpanded())
        elif item is not None:
            self._on_tree_item_double_clicked(item, 0)
