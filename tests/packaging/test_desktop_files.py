"""Desktop integration and packaging files: parse them and check they agree.

Covers the freedesktop desktop entry, the AppStream metainfo, the shared-mime-info XML,
the shipped icons and style sheets, and the PyInstaller spec. Nothing here needs Qt or
a display; the external validators run only where they are installed.
"""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import designer
from designer import resources

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
APP_ID = designer.DESKTOP_FILE_NAME
DESKTOP_FILE = PACKAGING / f"{APP_ID}.desktop"
METAINFO_FILE = PACKAGING / f"{APP_ID}.metainfo.xml"
MIME_FILE = PACKAGING / f"{APP_ID}.mime.xml"
SPEC_FILE = PACKAGING / "nn-designer.spec"
ICONS = ROOT / "resources" / "icons"

MIME_TYPE = "application/x-nn-designer-project"
PROJECT_GLOB = "*.nndesign"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
SVG_NS = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Desktop Entry Specification 1.5: group headers, "Key[locale]=value" lines, comments.
_GROUP_LINE = re.compile(r"^\[[^\[\]\x00-\x1f]+\]$")
_ENTRY_LINE = re.compile(r"^[A-Za-z0-9-]+(\[[A-Za-z_@.]+\])? ?= ?.*$")
_FIELD_CODES = {"%f", "%F", "%u", "%U", "%i", "%c", "%k"}


@pytest.fixture(scope="module")
def pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def gui_script_name(pyproject: dict) -> str:
    scripts = pyproject["project"]["gui-scripts"]
    names = [name for name, target in scripts.items() if target.startswith("designer.__main__")]
    assert names, f"no gui-script points at designer.__main__: {scripts}"
    return names[0]


@pytest.fixture(scope="module")
def desktop_entry() -> dict[str, str]:
    text = DESKTOP_FILE.read_text(encoding="utf-8")
    lines = text.splitlines()
    # Strict line grammar first: configparser alone would accept ':' delimiters,
    # continuation lines and keys with spaces, none of which are valid here.
    for number, line in enumerate(lines, start=1):
        if not line or line.startswith("#"):
            continue
        assert _GROUP_LINE.match(line) or _ENTRY_LINE.match(line), f"line {number}: {line!r}"
    first = next(line for line in lines if line and not line.startswith("#"))
    assert first == "[Desktop Entry]", "the first group must be [Desktop Entry]"

    parser = configparser.RawConfigParser(
        delimiters=("=",),
        comment_prefixes=("#",),
        inline_comment_prefixes=None,
        strict=True,  # duplicate groups or keys raise
        empty_lines_in_values=False,
        interpolation=None,
    )
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text, source=str(DESKTOP_FILE))
    return dict(parser["Desktop Entry"])


@pytest.fixture(scope="module")
def metainfo() -> ET.Element:
    return ET.parse(METAINFO_FILE).getroot()


@pytest.fixture(scope="module")
def mime_info() -> ET.Element:
    return ET.parse(MIME_FILE).getroot()


# --- desktop entry ---------------------------------------------------------------


def test_desktop_file_is_named_after_the_application_id() -> None:
    assert DESKTOP_FILE.is_file()
    assert DESKTOP_FILE.stem == APP_ID


def test_desktop_entry_has_required_keys(desktop_entry: dict[str, str]) -> None:
    for key in ("Type", "Name", "Exec", "Icon"):
        assert desktop_entry.get(key), f"missing {key}"
    assert desktop_entry["Type"] == "Application"
    assert desktop_entry["Name"] == designer.APP_NAME
    assert desktop_entry["Terminal"] == "false"
    for key, value in desktop_entry.items():
        if key in {"Terminal", "StartupNotify", "NoDisplay", "Hidden"}:
            assert value in {"true", "false"}, f"{key}={value!r} is not a boolean"


def test_desktop_exec_runs_the_gui_script(
    desktop_entry: dict[str, str], gui_script_name: str
) -> None:
    argv = shlex.split(desktop_entry["Exec"])
    assert argv[0] == gui_script_name == "nn-designer"
    assert all(arg in _FIELD_CODES for arg in argv[1:]), argv
    assert "%f" in argv[1:], "the entry should accept a project file to open"
    if "TryExec" in desktop_entry:
        assert desktop_entry["TryExec"] == gui_script_name


def test_desktop_icon_and_window_class(desktop_entry: dict[str, str]) -> None:
    assert desktop_entry["Icon"] == APP_ID
    assert desktop_entry["StartupWMClass"] == "nn-designer"


def test_desktop_lists_are_semicolon_terminated(desktop_entry: dict[str, str]) -> None:
    for key in ("Categories", "MimeType", "Keywords"):
        assert desktop_entry[key].endswith(";"), key
    categories = desktop_entry["Categories"].split(";")[:-1]
    assert {"Development", "Science", "Education", "Qt"} <= set(categories)
    assert desktop_entry["MimeType"].split(";")[:-1] == [MIME_TYPE]


def test_desktop_file_validate() -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        pytest.skip("desktop-file-validate is not installed")
    result = subprocess.run(
        [tool, str(DESKTOP_FILE)], capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "error:" not in output, output


# --- AppStream metainfo ----------------------------------------------------------


def _text(root: ET.Element, path: str) -> str:
    element = root.find(path)
    assert element is not None, f"missing <{path}>"
    return "".join(element.itertext()).strip()


def test_metainfo_required_keys(metainfo: ET.Element) -> None:
    assert metainfo.tag == "component"
    assert metainfo.get("type") == "desktop-application"
    assert _text(metainfo, "id") == APP_ID
    assert _text(metainfo, "metadata_license") == "CC0-1.0"
    assert _text(metainfo, "project_license") == "MIT"
    assert _text(metainfo, "name") == designer.APP_NAME
    summary = _text(metainfo, "summary")
    assert summary
    assert not summary.endswith(".")
    description = metainfo.find("description")
    assert description is not None
    assert description.findall("p"), "the description needs at least one paragraph"


def test_metainfo_launchable_matches_desktop_file(metainfo: ET.Element) -> None:
    launchables = metainfo.findall("launchable")
    assert [(el.get("type"), (el.text or "").strip()) for el in launchables] == [
        ("desktop-id", DESKTOP_FILE.name)
    ]


def test_metainfo_release_matches_package_version(metainfo: ET.Element, pyproject: dict) -> None:
    releases = metainfo.findall("releases/release")
    assert releases, "missing <releases>"
    newest = releases[0]
    assert newest.get("version") == designer.__version__ == pyproject["project"]["version"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", newest.get("date", "")), "release needs a date"


def test_metainfo_provides_and_extras(metainfo: ET.Element, gui_script_name: str) -> None:
    assert [el.text for el in metainfo.findall("provides/binary")] == [gui_script_name]
    assert [el.text for el in metainfo.findall("provides/mediatype")] == [MIME_TYPE]
    rating = metainfo.find("content_rating")
    assert rating is not None
    assert rating.get("type", "").startswith("oars-")
    images = [el.text for el in metainfo.findall("screenshots/screenshot/image")]
    assert images == ["docs/screenshot.png"]


def test_appstreamcli_validate() -> None:
    tool = shutil.which("appstreamcli")
    if tool is None:
        pytest.skip("appstreamcli is not installed")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    errors = [line for line in result.stdout.splitlines() if line.startswith(("E:", "W:"))]
    # The screenshot is referenced by its path in the repository until a hosted copy
    # exists; AppStream wants a web URL there. Everything else must validate.
    errors = [line for line in errors if "web-url-expected docs/screenshot.png" not in line]
    assert not errors, result.stdout + result.stderr


# --- shared-mime-info ------------------------------------------------------------


def test_mime_xml_declares_project_type(mime_info: ET.Element) -> None:
    assert mime_info.tag == f"{MIME_NS}mime-info"
    types = mime_info.findall(f"{MIME_NS}mime-type")
    assert [t.get("type") for t in types] == [MIME_TYPE]
    (mime_type,) = types
    assert [g.get("pattern") for g in mime_type.findall(f"{MIME_NS}glob")] == [PROJECT_GLOB]
    assert (mime_type.findtext(f"{MIME_NS}comment") or "").strip()
    parents = [p.get("type") for p in mime_type.findall(f"{MIME_NS}sub-class-of")]
    assert parents == ["application/json"]
    icon = mime_type.find(f"{MIME_NS}icon")
    assert icon is None or icon.get("name") == APP_ID


def test_update_mime_database_accepts_the_package(tmp_path: Path) -> None:
    tool = shutil.which("update-mime-database")
    if tool is None:
        pytest.skip("update-mime-database is not installed")
    mime_dir = tmp_path / "mime"
    (mime_dir / "packages").mkdir(parents=True)
    shutil.copy(MIME_FILE, mime_dir / "packages" / f"{APP_ID}.xml")
    # With the directory on the search path the tool prints nothing unless the XML
    # has problems, so any output counts as a failure.
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_DATA_DIRS": str(tmp_path)}
    result = subprocess.run(
        [tool, str(mime_dir)], capture_output=True, text=True, timeout=60, check=False, env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (result.stdout + result.stderr).strip(), result.stdout + result.stderr
    globs = (mime_dir / "globs2").read_text(encoding="utf-8")
    assert f"{MIME_TYPE}:{PROJECT_GLOB}" in globs


# --- icons -----------------------------------------------------------------------


def _svg_files() -> list[Path]:
    return sorted(ICONS.rglob("*.svg"))


def test_icon_directory_has_licence() -> None:
    assert "MIT" in (ICONS / "LICENSE.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", _svg_files(), ids=lambda p: str(p.relative_to(ICONS)))
def test_svg_icon_parses_with_viewbox(path: Path) -> None:
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG_NS}svg"
    view_box = root.get("viewBox")
    assert view_box, "missing viewBox"
    numbers = [float(n) for n in view_box.replace(",", " ").split()]
    assert len(numbers) == 4
    assert numbers[2] > 0
    assert numbers[3] > 0


def test_expected_svg_icons_exist() -> None:
    assert len(resources.ACTION_ICONS) == 20
    for name in resources.ACTION_ICONS:
        assert resources.icon_path("actions", name).is_file()
    for name in resources.CATEGORY_ICONS.values():
        assert resources.icon_path("categories", name).is_file()
    assert resources.icon_path("app", "nn-designer").is_file()
    shipped = {p.stem for p in (ICONS / "actions").glob("*.svg")}
    assert shipped == set(resources.ACTION_ICONS)


@pytest.mark.parametrize("group", ["actions", "categories"])
def test_monochrome_icons_are_24px_and_use_one_colour(group: str) -> None:
    for path in sorted((ICONS / group).glob("*.svg")):
        root = ET.parse(path).getroot()
        assert root.get("viewBox") == "0 0 24 24", path.name
        colours = set(re.findall(r"#[0-9a-fA-F]{3,6}\b", path.read_text(encoding="utf-8")))
        assert colours == {resources.ICON_STROKE}, f"{path.name}: {colours}"
        assert "currentColor" not in path.read_text(encoding="utf-8")


def test_every_catalogue_category_has_an_icon() -> None:
    registry = pytest.importorskip("designer.catalog.registry")
    categories = getattr(registry, "CATEGORY_ORDER", None)
    if categories is None:
        pytest.skip("the catalogue no longer exposes CATEGORY_ORDER")
    assert set(categories) == set(resources.CATEGORY_ICONS)
    for category in categories:
        name = resources.category_icon_name(category)
        assert resources.icon_path("categories", name).is_file()


def _png_size(path: Path) -> tuple[int, int]:
    with path.open("rb") as fh:
        header = fh.read(33)
    assert header[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    length, chunk = struct.unpack(">I4s", header[8:16])
    assert (length, chunk) == (13, b"IHDR")
    width, height, bit_depth, colour_type = struct.unpack(">IIBB", header[16:26])
    assert bit_depth == 8
    assert colour_type == 6, f"{path.name} should be 8-bit RGBA"
    return width, height


@pytest.mark.parametrize("size", resources.APP_ICON_SIZES)
def test_app_icon_png_sizes(size: int) -> None:
    path = resources.app_icon_png(size)
    assert path == ICONS / "app" / f"nn-designer-{size}.png"
    assert _png_size(path) == (size, size)


def test_render_icons_check_mode_agrees() -> None:
    spec = importlib.util.spec_from_file_location("render_icons", PACKAGING / "render_icons.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # module level imports no Qt
    assert tuple(module.SIZES) == resources.APP_ICON_SIZES
    assert module.check(ICONS / "app") == []
    assert module.read_png_size(ICONS / "app" / "nn-designer-48.png") == (48, 48)


# --- resources helpers and style sheets ------------------------------------------


def test_resources_package_does_not_import_qt() -> None:
    code = (
        "import sys, designer.resources as r; r.style_sheet(True); "
        "r.icon_svg_text('actions', 'save', '#eee'); "
        "sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 0, "designer.resources imported Qt"


def test_resource_path_stays_inside_resources() -> None:
    assert resources.resource_path("styles", "light.qss").is_file()
    with pytest.raises(ValueError):
        resources.resource_path("..", "__init__.py")
    with pytest.raises(ValueError):
        resources.icon_path("nope", "save")
    with pytest.raises(FileNotFoundError):
        resources.icon_path("actions", "no-such-icon")
    assert resources.icon_path("actions", "save.svg") == resources.icon_path("actions", "save")


def test_category_icon_names() -> None:
    assert resources.category_icon_name("Input/Output") == "input-output"
    assert resources.category_icon_name("Some New Thing") == "some-new-thing"


def test_icon_recolouring() -> None:
    original = resources.icon_svg_text("actions", "undo")
    recoloured = resources.icon_svg_text("actions", "undo", "#e5e7eb")
    assert resources.ICON_STROKE in original
    assert resources.ICON_STROKE not in recoloured
    assert "#e5e7eb" in recoloured
    with pytest.raises(ValueError):
        resources.icon_svg_text("actions", "undo", "red; evil")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_style_sheet_is_well_formed(dark: bool) -> None:
    text = resources.style_sheet(dark)
    assert resources.STYLE_RESOURCES_PLACEHOLDER not in text
    without_comments = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    assert "/*" not in without_comments
    assert "*/" not in without_comments
    depth = 0
    for char in without_comments:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth in (0, 1), "unbalanced or nested braces"
    assert depth == 0
    for selector in ("QDockWidget::title", "QToolBar", "#inspector"):
        assert selector in without_comments
    for url in re.findall(r'url\("([^"]+)"\)', without_comments):
        assert Path(url).is_file(), url


# --- PyInstaller spec ------------------------------------------------------------


def test_pyinstaller_spec_compiles() -> None:
    source = SPEC_FILE.read_text(encoding="utf-8")
    compile(source, str(SPEC_FILE), "exec")  # syntax only; never executed here


def test_pyinstaller_spec_references_existing_files() -> None:
    source = SPEC_FILE.read_text(encoding="utf-8")
    assert 'name="nn-designer"' in source
    assert '"designer" / "__main__.py"' in source
    assert '"designer/resources"' in source
    for excluded in ('"pytest"', '"tests"', '"hypothesis"'):
        assert excluded in source
    assert f'APP_ID = "{APP_ID}"' in source
    for suffix in (".desktop", ".metainfo.xml", ".mime.xml"):
        assert f'f"{{APP_ID}}{suffix}"' in source


def test_every_package_is_listed_for_installation():
    """pyproject lists packages explicitly (resources/ maps to designer.resources), so a
    new subpackage must be added there or the installed app would miss it."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "designer").rglob("__init__.py")
    }
    assert found | {"designer.resources"} == listed
