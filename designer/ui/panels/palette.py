"""`PalettePanel`: every catalogue layer type, grouped by category, searchable.

The panel reads only the catalogue, so a new layer type appears here without UI code.
Dragging an entry carries its type id under `LAYER_MIME_TYPE` for the canvas to drop;
double-clicking (or Enter) emits ``layer_activated`` and the window adds it after the
selected layer. Long names ("Multi-head self-attention") wrap onto a second line rather
than being cut off, whatever the width of the dock.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QEvent, QMimeData, QModelIndex, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.catalog import Catalog, LayerSpec, default_catalog
from designer.resources import category_icon_name
from designer.ui import theme
from designer.ui.canvas.style import category_colour

LAYER_MIME_TYPE = "application/x-nn-designer-layer"
TYPE_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1


def layer_mime_data(type_id: str) -> QMimeData:
    """The drag payload for one layer type: its id as UTF-8 under `LAYER_MIME_TYPE`."""
    mime = QMimeData()
    mime.setData(LAYER_MIME_TYPE, type_id.encode("utf-8"))
    mime.setText(type_id)
    return mime


class _WrappingDelegate(QStyledItemDelegate):
    """Rows as tall as their text wrapped to the width the tree gives them.

    `QTreeView` asks for a row's size without saying how wide the row will be, so word
    wrap alone leaves the second line cut off; this delegate measures the text at the
    width left after the row's indentation.
    """

    def __init__(self, tree: QTreeWidget) -> None:
        super().__init__(tree)
        self._tree = tree

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        decorated = 1 if self._tree.rootIsDecorated() else 0
        width = self._tree.viewport().width() - self._tree.indentation() * (depth + decorated)
        if width <= 0:
            return size
        wrapped = QStyleOptionViewItem(option)
        self.initStyleOption(wrapped, index)
        wrapped.features |= QStyleOptionViewItem.ViewItemFeature.WrapText
        wrapped.rect = QRect(0, 0, width, 1)
        style = self._tree.style()
        needed = style.sizeFromContents(
            QStyle.ContentsType.CT_ItemViewItem, wrapped, QSize(), self._tree
        )
        return QSize(size.width(), max(size.height(), needed.height()))


class _LayerTree(QTreeWidget):
    """A tree whose drags carry the layer MIME type instead of Qt's item encoding.

    Activation is a double-click or Enter only: some platforms activate items on a single
    click, which would add a layer every time the user merely starts a drag.
    """

    enter_pressed = Signal()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.scheduleDelayedItemsLayout()  # rows re-measure their wrapped names

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_pressed.emit()
            return
        super().keyPressEvent(event)

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        item = self.currentItem()
        type_id = item.data(0, TYPE_ROLE) if item is not None else None
        if not type_id:
            return
        drag = QDrag(self)
        drag.setMimeData(layer_mime_data(type_id))
        drag.setPixmap(item.icon(0).pixmap(24, 24))
        drag.exec(Qt.DropAction.CopyAction)


class PalettePanel(QWidget):
    """Layer types by category with a search box; drag to the canvas or double-click.

    Signals:
        layer_activated(str): the user asked to add a layer of this type id.
    """

    layer_activated = Signal(str)

    def __init__(self, catalog: Catalog | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("palette")
        self._catalog = catalog or default_catalog()
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.returnPressed.connect(self._on_search_return_pressed)
        self.search.installEventFilter(self)
        self.tree = _LayerTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        self.tree.setWordWrap(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tree.setItemDelegate(_WrappingDelegate(self.tree))
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.itemDoubleClicked.connect(self._on_tree_item_double_clicked)
        self.tree.enter_pressed.connect(self._on_tree_enter_pressed)
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
            group.setData(0, SEARCH_ROLE, category.lower())
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            for spec in specs:
                self._add_layer_item(group, spec)
            group.setExpanded(True)
        self.refresh_icons()

    def _add_layer_item(self, group: QTreeWidgetItem, spec: LayerSpec) -> None:
        item = QTreeWidgetItem(group, [spec.display_name])
        item.setData(0, TYPE_ROLE, spec.type_id)
        item.setData(0, SEARCH_ROLE, f"{spec.display_name} {spec.type_id} {spec.help}".lower())
        item.setToolTip(0, f"<b>{spec.display_name}</b><br>{spec.help}")
        item.setStatusTip(0, spec.help)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        item.setFlags(flags | Qt.ItemFlag.ItemIsDragEnabled)

    def refresh_icons(self) -> None:
        """Category icons drawn in each category's canvas colour, so the palette and the
        node title bars match; layers get a chip of the same colour."""
        for group in self._groups():
            colour = category_colour(group.text(0)).name()
            try:
                group.setIcon(
                    0, theme.icon("categories", category_icon_name(group.text(0)), colour)
                )
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
            group.setExpanded(True)
        self._select_first_visible()

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
        if item is not None:
            self._on_tree_item_double_clicked(item, 0)
