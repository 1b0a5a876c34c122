"""The palette at the catalogue's full size: categories that fold at a click or a key and
stay folded in the settings, and a search over names, former names and help texts."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from designer.catalog import default_catalog
from designer.ui.panels import PalettePanel
from designer.ui.panels.palette import FOLDED_KEY

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def make_palette(qtbot, settings):
    def make() -> PalettePanel:
        palette = PalettePanel(settings=settings)
        qtbot.addWidget(palette)
        palette.resize(260, 900)
        palette.show()
        qtbot.waitExposed(palette)
        return palette

    return make


def group(palette: PalettePanel, category: str):
    for index in range(palette.tree.topLevelItemCount()):
        item = palette.tree.topLevelItem(index)
        if item.text(0).startswith(category):
            return item
    raise AssertionError(category)


def click(palette: PalettePanel, item) -> None:
    rect = palette.tree.visualItemRect(item)
    QTest.mouseClick(palette.tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def type_into(widget, text: str) -> None:
    QTest.keyClicks(widget, text)


def clear(search) -> None:
    """Select all and delete, as a user would."""
    QTest.keyClick(search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(search, Qt.Key.Key_Backspace)


def test_every_layer_type_is_listed_under_its_category_with_a_count(make_palette):
    palette = make_palette()
    catalog = default_catalog()
    assert sorted(palette.visible_type_ids()) == sorted(s.type_id for s in catalog)
    for category, specs in catalog.categories():
        assert group(palette, category).text(0) == f"{category}  {len(specs)}"


def test_a_click_on_a_category_folds_it_and_the_settings_remember(make_palette, settings):
    palette = make_palette()
    activation = group(palette, "Activation")
    assert activation.isExpanded()
    click(palette, activation)
    assert not activation.isExpanded()
    assert palette.folded_categories() == ["Activation"]
    assert settings.value(FOLDED_KEY) in (["Activation"], "Activation")
    again = make_palette()  # a later session
    assert not group(again, "Activation").isExpanded()
    assert group(again, "Core").isExpanded()
    click(again, group(again, "Activation"))
    assert group(again, "Activation").isExpanded()
    assert make_palette().folded_categories() == []


def test_the_keyboard_folds_and_unfolds_a_category(qtbot, make_palette):
    palette = make_palette()
    tree = palette.tree
    pooling = group(palette, "Pooling")
    tree.setFocus()
    tree.setCurrentItem(pooling)
    QTest.keyClick(tree, Qt.Key.Key_Left)
    assert not pooling.isExpanded()
    assert palette.folded_categories() == ["Pooling"]
    QTest.keyClick(tree, Qt.Key.Key_Right)
    assert pooling.isExpanded()
    QTest.keyClick(tree, Qt.Key.Key_Return)  # Enter on a category toggles it too
    assert not pooling.isExpanded()
    assert palette.folded_categories() == ["Pooling"]


def test_search_finds_names_former_names_and_help_text(make_palette):
    palette = make_palette()
    search = palette.search
    type_into(search, "causal")  # a name
    assert palette.visible_type_ids() == ["CausalSelfAttention"]
    clear(search)
    type_into(search, "rescaling")  # a former name: Keras calls it Rescaling
    assert palette.visible_type_ids() == ["ScaleBias"]
    clear(search)
    type_into(search, "GlobalAveragePooling1D")  # case does not matter
    assert palette.visible_type_ids() == ["MeanOverTime"]
    clear(search)
    type_into(search, "padding token")  # every word, anywhere in the help text
    assert palette.visible_type_ids() == ["SelfAttention", "CausalSelfAttention"]
    assert group(palette, "Sequence").text(0) == "Sequence  2"
    clear(search)
    type_into(search, "no such layer")
    assert palette.visible_type_ids() == []


def test_a_search_unfolds_its_matches_and_clearing_it_restores_the_folding(make_palette, settings):
    palette = make_palette()
    everything = palette.visible_type_ids()
    click(palette, group(palette, "Normalization"))
    click(palette, group(palette, "Sequence"))
    type_into(palette.search, "norm")
    normalization = group(palette, "Normalization")
    assert normalization.isExpanded() and not normalization.isHidden()
    assert group(palette, "Sequence").isHidden()
    assert "GroupNorm" in palette.visible_type_ids()
    clear(palette.search)
    assert palette.visible_type_ids() == everything
    assert not group(palette, "Normalization").isExpanded()
    assert not group(palette, "Sequence").isExpanded()
    assert group(palette, "Core").isExpanded()
    assert make_palette().folded_categories() == ["Normalization", "Sequence"]


def test_fold_and_unfold_all(make_palette):
    palette = make_palette()
    palette.set_all_folded(True)
    categories = [category for category, _ in default_catalog().categories()]
    assert palette.folded_categories() == categories
    assert make_palette().folded_categories() == categories
    palette.set_all_folded(False)
    assert palette.folded_categories() == []


def test_enter_in_the_search_adds_the_first_match_even_from_a_folded_category(qtbot, make_palette):
    palette = make_palette()
    click(palette, group(palette, "Shape"))
    type_into(palette.search, "chunk")
    with qtbot.waitSignal(palette.layer_activated) as blocker:
        QTest.keyClick(palette.search, Qt.Key.Key_Return)
    assert blocker.args == ["Chunk"]


def test_the_window_keeps_the_folding_in_its_settings(make_window):
    first = make_window()
    first.show()
    click(first.palette, group(first.palette, "Merge"))
    second = make_window()
    assert second.palette.folded_categories() == ["Merge"]
    assert not group(second.palette, "Merge").isExpanded()
