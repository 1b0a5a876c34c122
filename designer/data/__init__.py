"""Data sets for training: built-in sets, the user's CSV and .npz files and image folders,
splitting and scaling.

Uses NumPy, scikit-learn and Pillow only (no torch, no Qt), so it can be used and tested on
its own.
"""

from designer.data.datasets import SOURCES, SourceInfo, dataset_recipe, load_dataset
from designer.data.facts import data_facts
from designer.data.layout import DEFAULT_LAYOUT, DataLayout, InputSlot, OutputSlot, data_layout
from designer.data.prepare import (
    DataError,
    InputInfo,
    PreparedData,
    TargetInfo,
    prepare_arrays,
)
from designer.data.source import DataSource, dataset_source

__all__ = [
    "DEFAULT_LAYOUT",
    "SOURCES",
    "DataError",
    "DataLayout",
    "DataSource",
    "InputInfo",
    "InputSlot",
    "OutputSlot",
    "PreparedData",
    "SourceInfo",
    "TargetInfo",
    "data_facts",
    "data_layout",
    "dataset_recipe",
    "dataset_source",
    "load_dataset",
    "prepare_arrays",
]
