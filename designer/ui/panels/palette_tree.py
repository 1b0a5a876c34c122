"""The palette's tree: category rows that fold at a click, layer rows that wrap their
names and drag out the layer MIME type."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QDrag, QKeyEvent, QMouseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
)

LAYER_MIME_TYPE = "application/x-nn-designer-layer"
TYPE_ROLE = Qt.ItemDataRole.UserRole
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 1
CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 2


def layer_mime_data(type_id: str) -> QMimeData:
    """The drag payload for one layer type: its id as UTF-8 under `LAYER_MIME_TYPE`."""
    mime = QMimeData()
    mime.setData(LAYER_MIME_TYPE, type_id.encode("utf-8"))
    mime.setText(type_id)
    return mime


class WrappingDelegate(QStyledItemDelegate):
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


class LayerTree(QTreeWidget):
    """A tree whose drags carry the layer MIME type instead of Qt's item encoding.

    Activation is a double-click or Enter only: some platforms activate items on a single
    click, which would add a layer every time the user merely starts a drag. A category
    row folds and unfolds at a single click anywhere on it (or Enter, or the arrow keys),
    not only on its small arrow.
    """

    enter_pressed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setExpandsOnDoubleClick(False)  # a click already toggles a category

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.scheduleDelayedItemsLayout()  # rows re-measure their wrapped names

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enter_pressed.emit()
            return
        super().keyPressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """A click on a category's row (beside its arrow, which folds it by itself)."""
        position = event.position().toPoint()
        item = self.itemAt(position)
        on_row = item is not None and self.visualItemRect(item).contains(position)
        super().mouseReleaseEvent(event)
        if on_row and event.button() == Qt.MouseButton.LeftButton and is_category(item):
            item.setExpanded(not item.isExpanded())

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        item = self.currentItem()
        type_id = item.data(0, TYPE_ROLE) if item is not None else None
        if not type_id:
            return
        drag = QDrag(self)
        drag.setMimeData(layer_mime_data(type_id))
        drag.setPixmap(item.icon(0).pixmap(24, 24))
        drag.exec(Qt.DropAction.CopyAction)


def is_category(item: QTreeWidgetItem) -> bool:
    return item.parent() is None
