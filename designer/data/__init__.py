"""Data sets for training: built-in sets, the user's CSV and .npz files, splitting and scaling.

Uses NumPy and scikit-learn only (no torch, no Qt), so it can be used and tested on its own.
"""

from designer.data.datasets import SOURCES, SourceInfo, dataset_recipe, load_dataset
from designer.data.prepare import DataError, PreparedData, split_and_scale
from designer.data.source import DataSource, dataset_source

__all__ = [
    "SOURCES",
    "DataError",
    "DataSource",
    "PreparedData",
    "SourceInfo",
    "dataset_recipe",
    "dataset_source",
    "load_dataset",
    "split_and_scale",
]
