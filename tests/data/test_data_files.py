"""The user's CSV and .npz files: the happy paths and every bad-file message."""

import numpy as np
import pytest

from designer.data import DataError, load_dataset
from designer.data.npz import load_npz_arrays
from designer.data.tabular import HEADER_BYTES, read_csv_header, read_csv_table
from designer.model.settings import DataSettings


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return str(path)


def csv_settings(path, **changes):
    return DataSettings(source="csv", path=path, **changes)


def test_csv_with_numeric_and_text_columns_and_text_target(tmp_path):
    rows = ["size,colour,weight,kind"]
    for i in range(40):
        rows.append(f"{i * 0.5},{['red', 'green'][i % 2]},{i % 7},{['cat', 'dog'][i % 3 == 0]}")
    path = write(tmp_path, "\n".join(rows) + "\n\n")
    x, y, features, classes = read_csv_table(path)
    assert features == ["size", "colour=green", "colour=red", "weight"]
    assert classes == ["cat", "dog"]
    assert x.shape == (40, 4) and x.dtype == np.float32
    assert x[0].tolist() == [0.0, 0.0, 1.0, 0.0] and x[1].tolist() == [0.5, 1.0, 0.0, 1.0]
    assert y.dtype == np.int64 and y[:4].tolist() == [1, 0, 0, 1]

    data = load_dataset(csv_settings(path))
    assert data.name == "data.csv" and data.task == "classification"
    assert data.num_classes == 2 and data.class_names == ("cat", "dog")
    assert data.feature_shape == (4,) and data.feature_names[1] == "colour=green"


def test_csv_target_column_by_name_and_numeric_targets(tmp_path):
    rows = ["label;a;b"] + [f"{i % 3};{i};{i * i / 7}" for i in range(30)]
    path = write(tmp_path, "\n".join(rows))  # semicolons are detected
    x, y, features, classes = read_csv_table(path, target_column="label")
    assert x.shape == (30, 2)
    assert features == ["a", "b"] and classes == ["0", "1", "2"]
    assert y.tolist()[:4] == [0, 1, 2, 0]
    _, y, features, classes = read_csv_table(path, target_column="b")
    assert classes == [] and y.shape == (30, 1) and y.dtype == np.float32
    assert load_dataset(csv_settings(path, target_column="b")).task == "regression"


def test_csv_quoted_fields_bom_and_whitespace(tmp_path):
    text = '\ufeff"name, full", value , y\n"a, b", 1 ,0\n"c",2, 1\n"d",3,0\n"e",4,1\n'
    _, y, features, classes = read_csv_table(write(tmp_path, text))
    assert features[:1] == ["name, full=a, b"] and features[-1] == "value"
    assert y.tolist() == [0, 1, 0, 1] and classes == ["0", "1"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("\n  \n", "empty"),
        ("a,b,y\n", "no data rows"),
        ("a,b,y\n1,2,3\n4,5\n", "line 3 has 2 fields, but the header has 3"),
        ("a,b,y\n1,2,3\n\n4,5,6,7\n", "line 4 has 4 fields"),
        ("a,a,y\n1,2,3\n", "'a' appears more than once"),
        ("y\n1\n2\n", "at least one feature column"),
        ("a,b,y\n1,inf,0\n2,3,1\n", "column 'b', line 2: 'inf' is not a finite number"),
    ],
)
def test_bad_csv_files_name_the_row_or_column(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        load_dataset(csv_settings(write(tmp_path, text)))


def test_unknown_target_column_is_named(tmp_path):
    path = write(tmp_path, "a,b\n1,2\n3,4\n")
    with pytest.raises(DataError, match="target column 'price' not found"):
        load_dataset(csv_settings(path, target_column="price"))


def test_non_utf8_file_names_the_line(tmp_path):
    path = write(tmp_path, "a,y\n1,0\n2,1\ncaf\xe9,0\n".encode("latin-1"))
    with pytest.raises(DataError, match="line 4 is not valid UTF-8"):
        load_dataset(csv_settings(path))


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        load_dataset(csv_settings(str(tmp_path / "nope.csv")))


MISSING = "a,b,c,y\n1,2,x,0\n2,,y,1\n3,NA,x,0\n4,5,?,1\n5,NaN,y,0\n6,7,x,1\n7,8,y,0\n8,9,x,1\n"


def test_missing_values_are_reported_by_column_with_counts(tmp_path):
    path = write(tmp_path, MISSING)
    with pytest.raises(DataError) as error:
        load_dataset(csv_settings(path))
    message = str(error.value)
    assert "column 'b': 3 (first on line 3)" in message
    assert "column 'c': 1 (first on line 5)" in message
    assert "'a'" not in message and "'y'" not in message


def test_missing_values_can_be_dropped(tmp_path):
    path = write(tmp_path, MISSING)
    x, _, features, _ = read_csv_table(path, drop_missing=True)
    assert x[:, 0].tolist() == [1, 6, 7, 8] and features == ["a", "b", "c=x", "c=y"]
    assert load_dataset(csv_settings(path, drop_missing=True)).num_train == 3
    with pytest.raises(DataError, match="every row"):
        read_csv_table(write(tmp_path, "a,y\n,1\nNA,0\n"), drop_missing=True)


def test_too_many_text_categories_are_refused(tmp_path):
    rows = ["id,y"] + [f"user{i},{i % 2}" for i in range(300)]
    with pytest.raises(DataError, match="column 'id' has 300 different text values"):
        read_csv_table(write(tmp_path, "\n".join(rows)))


def numeric_rows(count: int = 40, separator: str = ",") -> list[str]:
    return [f"size{separator}weight{separator}y"] + [
        f"{i * 0.5}{separator}{i % 7}{separator}{i % 2}" for i in range(count)
    ]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [("abc", "'abc'"), ("1\x00", "'1\\x00'"), ("12 kg", "'12 kg'"), ("\u200b7", "'\\u200b7'")],
)
def test_one_odd_cell_in_a_numeric_column_is_named(tmp_path, cell, shown):
    """Not silently one-hot encoded: the column, the line and the value (escaped)."""
    rows = numeric_rows()
    rows[6] = f"{cell},3,1"
    with pytest.raises(DataError) as caught:
        read_csv_table(write(tmp_path, "\n".join(rows)))
    message = str(caught.value)
    assert message.startswith(f"column 'size', line 7: {shown} is not a number")
    assert "most of the column is numbers" in message and "\x00" not in message


def test_a_few_odd_cells_are_counted(tmp_path):
    rows = numeric_rows()
    rows[3], rows[9], rows[20] = "x,1,0", "y,1,0", "z,1,0"
    with pytest.raises(DataError, match=r"line 4: 'x' is not a number.*; 2 more cells are not"):
        read_csv_table(write(tmp_path, "\n".join(rows)))


def test_an_odd_cell_in_a_numeric_target_is_named(tmp_path):
    rows = numeric_rows()
    rows[12] = "5.5,3,yes"
    with pytest.raises(DataError, match="column 'y', line 13: 'yes' is not a number"):
        read_csv_table(write(tmp_path, "\n".join(rows)))


def test_decimal_commas_get_a_hint(tmp_path):
    rows = [row.replace(".", ",") for row in numeric_rows(separator=";")]
    with pytest.raises(DataError, match="line 2: '0,0' is not a number: it looks like a decimal"):
        read_csv_table(write(tmp_path, "\n".join(rows)))
    rows = numeric_rows(separator=";")
    rows[5] = "2,5;1;0"
    with pytest.raises(DataError, match=r"line 6: '2,5' .*save the file with decimal points"):
        read_csv_table(write(tmp_path, "\n".join(rows)))


def test_text_columns_with_some_numbers_stay_categories(tmp_path):
    """Like the doors of the UCI car data set: 2, 3, 4 or "5more"."""
    rows = ["doors,y"] + [f"{['2', '3', '4', '5more'][i % 4]},{i % 2}" for i in range(40)]
    _, _, features, _ = read_csv_table(write(tmp_path, "\n".join(rows)))
    assert features == ["doors=2", "doors=3", "doors=4", "doors=5more"]


def test_npz_classification_and_regression(tmp_path):
    path = tmp_path / "d.npz"
    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    np.savez(path, x=x, y=np.arange(20) % 2, class_names=np.array(["no", "yes"]))
    data = load_dataset(DataSettings(source="npz", path=str(path)))
    assert data.task == "classification" and data.class_names == ("no", "yes")
    assert data.x_train.dtype == np.float32 and data.name == "d.npz"

    images = np.zeros((30, 1, 4, 4), np.float32)
    np.savez(path, x=images, y=np.linspace(0, 1, 30), feature_names=np.array(["ignored"]))
    data = load_dataset(DataSettings(source="npz", path=str(path)))
    assert data.task == "regression" and data.feature_shape == (1, 4, 4)
    assert data.y_train.shape == (24, 1) and data.feature_names == ()


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.zeros((3, 2))}, "no array named 'y'"),
        ({"inputs": np.zeros(3), "y": np.zeros(3)}, "no array named 'x'"),
        ({"x": np.zeros((3, 2)), "y": np.zeros(4)}, "'x' has 3, 'y' has 4"),
        ({"x": np.array(["a", "b"]), "y": np.zeros(2)}, "must hold numbers"),
        ({"x": np.array([1.0, np.nan]), "y": np.zeros(2)}, "NaN or infinite"),
        ({"x": np.array(1.0), "y": np.array(2.0)}, "one entry per sample"),
    ],
)
def test_bad_npz_files(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DataError, match=message):
        load_npz_arrays(str(path))


def test_npz_never_unpickles_objects(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, x=np.array([{"a": 1}, {"b": 2}], dtype=object), y=np.zeros(2))
    with pytest.raises(DataError, match="Python objects"):
        load_npz_arrays(str(path))


def test_files_that_are_not_npz_archives(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        load_npz_arrays(write(tmp_path, "just text", name="t.npz"))
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(DataError, match="single array"):
        load_npz_arrays(str(single))


def test_header_is_read_from_the_start_of_a_large_file(tmp_path):
    path = tmp_path / "big.csv"
    body = "".join(f"{i};{i * 2};é{i}\n" for i in range(HEADER_BYTES // 4))
    path.write_text("\n size ; weight;\n" + body, encoding="utf-8")
    assert path.stat().st_size > 2 * HEADER_BYTES
    assert read_csv_header(str(path)) == ["size", "weight", "column 3"]


def test_header_of_an_empty_or_missing_file_is_a_data_error(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match="empty"):
        read_csv_header(str(empty))
    with pytest.raises(DataError, match="cannot read"):
        read_csv_header(str(tmp_path / "none.csv"))
