"""Project files: saving and loading ``.nndesign`` documents, clipboard snippets (documents
of a sub-graph, in the same records), and the shipped examples.

Pure Python like the model below it (no Qt, no torch). Saving is deterministic and atomic;
loading treats a file as untrusted input and reports every problem as a
`ProjectFileError` that names the place in the file.
"""

from designer.io.errors import ProjectFileError
from designer.io.examples import EXAMPLES_DIR, example_paths, load_example
from designer.io.load import load_project, parse_json, project_from_dict, project_from_json
from designer.io.migrations import MIGRATIONS, migration
from designer.io.save import project_to_dict, project_to_json, save_project
from designer.io.schema import EXTENSION, FORMAT, FORMAT_VERSION
from designer.io.snippet import (
    SNIPPET_FORMAT,
    Snippet,
    SnippetError,
    subgraph_from_dict,
    subgraph_from_json,
    subgraph_to_dict,
    subgraph_to_json,
)

__all__ = [
    "EXAMPLES_DIR",
    "EXTENSION",
    "FORMAT",
    "FORMAT_VERSION",
    "MIGRATIONS",
    "SNIPPET_FORMAT",
    "ProjectFileError",
    "Snippet",
    "SnippetError",
    "example_paths",
    "load_example",
    "load_project",
    "migration",
    "parse_json",
    "project_from_dict",
    "project_from_json",
    "project_to_dict",
    "project_to_json",
    "save_project",
    "subgraph_from_dict",
    "subgraph_from_json",
    "subgraph_to_dict",
    "subgraph_to_json",
]
