import numpy as np
import pytest

from app.engine.csvdata import MAX_TABLE_CLASSES, MIN_ROWS, CsvError, csv_dataset, parse_csv

LIMITS = {"max_rows": 50, "max_columns": 4}


def table(header, rows, separator=","):
    lines = [separator.join(header)] if header else []
    return "\n".join(lines + [separator.join(str(v) for v in row) for row in rows]) + "\n"


RENTS = table(["area", "rent"], [(20 + 10 * k, 300 + 95.5 * k) for k in range(12)])


def parse(text, target=None, **options):
    return parse_csv(text, target, **{**LIMITS, **options})


def refusal(text, target=None, **options):
    with pytest.raises(CsvError) as caught:
        parse(text, target, **options)
    return caught.value


def test_a_table_with_a_real_valued_target_is_a_regression_on_a_line():
    parsed = parse(RENTS)
    assert parsed.task == "regression" and parsed.input_kind == "line"
    assert parsed.feature_names == ("area",) and parsed.target_name == "rent"
    assert parsed.x.shape == (1, 12) and parsed.y.shape == (1, 12)
    assert parsed.x[0, :3].tolist() == [20, 30, 40] and parsed.y[0, :2].tolist() == [300, 395.5]
    assert parsed.class_names == ()


def test_two_integer_values_are_a_binary_task_with_the_smaller_as_class_0():
    rows = [(k, k % 3, 1 if k % 2 else -1) for k in range(12)]
    parsed = parse(table(["a", "b", "label"], rows))
    assert parsed.task == "binary" and parsed.input_kind == "plane"
    assert parsed.y.tolist() == [[float(k % 2) for k in range(12)]]
    assert parsed.class_names == ("-1", "1")


def test_three_to_ten_integer_values_are_one_hot_classes_in_ascending_order():
    rows = [(k, k, k, (9, 2, 5)[k % 3]) for k in range(12)]
    parsed = parse(table(["a", "b", "c", "digit"], rows))
    assert parsed.task == "multiclass" and parsed.input_kind == "table"
    assert parsed.class_names == ("2", "5", "9")
    assert parsed.y.shape == (3, 12)
    assert parsed.y[:, :3].tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0]]


def test_more_integer_values_than_classes_allowed_are_a_regression():
    rows = [(k, k % (MAX_TABLE_CLASSES + 1)) for k in range(22)]
    assert parse(table(["a", "count"], rows)).task == "regression"


def test_an_explicit_task_overrides_the_inferred_one():
    binary = table(["a", "b"], [(k, k % 2) for k in range(12)])
    assert parse(binary, task="regression").y.tolist() == [[k % 2 for k in range(12)]]
    softmax = parse(binary, task="multiclass")
    assert softmax.y.shape == (2, 12) and softmax.class_names == ("0", "1")
    halves = parse(table(["a", "b"], [(k, 0.5 + k % 2) for k in range(12)]), task="binary")
    assert halves.class_names == ("0.5", "1.5") and halves.y[0, :2].tolist() == [0, 1]


def test_the_target_is_chosen_by_name_or_by_index_and_is_last_by_default():
    text = table(["a", "b", "c"], [(k, 2 * k, k % 2) for k in range(12)])
    assert parse(text).target_name == "c"
    assert parse(text, "a").feature_names == ("b", "c")
    assert parse(text, 1).target_name == "b" and parse(text, -3).target_name == "a"
    assert parse(text, 1).x[:, 3].tolist() == [3, 1]


def test_bom_crlf_quotes_spaces_and_blank_rows_are_accepted():
    text = ('\ufeff"floor area", "rent"\r\n'
            + "".join(f" {20 + k} ,{300 + k}.5\r\n" + ("\r\n" if k == 4 else "") for k in range(12))
            + ",\r\n\r\n  \r\n")
    parsed = parse(text, "rent")
    assert parsed.feature_names == ("floor area",)
    assert parsed.x.shape == (1, 12) and parsed.y[0, 0] == 300.5


def test_semicolons_allow_decimal_commas_and_tabs_separate_too():
    rows = [(f"{k},5", f"{k}") for k in range(12)]
    semicolons = parse(table(["area", "rent"], rows, ";"))
    assert semicolons.x[0, :2].tolist() == [0.5, 1.5]
    quoted = parse('"area, m²";rent\n' + table(None, rows, ";"))
    assert quoted.feature_names == ("area, m²",)
    tabs = parse(table(["a", "b"], [(k, f"{k}.1") for k in range(6)] + rows[6:], "\t"))
    assert tabs.y[0, 3] == 3.1 and tabs.x[0, 6] == 6.5


def test_a_first_row_of_numbers_is_data_and_the_columns_are_numbered():
    parsed = parse(table(None, [(k, k * 0.3) for k in range(12)]))
    assert parsed.x.shape == (1, 12) and parsed.x[0, 0] == 0
    assert parsed.feature_names == ("column 1",) and parsed.target_name == "column 2"


def test_csv_dataset_splits_with_the_seed_and_keeps_the_description():
    parsed = parse(table(["a", "b", "y"], [(k, -k, k % 3) for k in range(20)]))
    data = csv_dataset(parsed, 0.25, np.random.default_rng(5))
    again = csv_dataset(parsed, 0.25, np.random.default_rng(5))
    assert data.x_train.shape == (2, 15) and data.x_test.shape == (2, 5)
    assert data.y_train.shape == (3, 15) and data.y_test.shape == (3, 5)
    assert np.array_equal(data.x_test, again.x_test)
    assert sorted(np.hstack([data.x_train, data.x_test])[0]) == list(range(20))
    assert (data.task, data.input_kind, data.target_name) == ("multiclass", "plane", "y")
    assert data.feature_names == ("a", "b") and data.class_names == ("0", "1", "2")


@pytest.mark.parametrize("text", ["", "\ufeff", "\n\n", " , \r\n"])
def test_an_empty_file_is_refused(text):
    error = refusal(text)
    assert str(error) == "the file holds no rows" and error.row is None


def test_a_short_row_names_its_first_missing_column():
    error = refusal(RENTS.replace("60,682.0", "60"))
    assert (error.row, error.column, error.column_name) == (6, 2, "rent")
    assert str(error) == "row 6, column 2 (rent): 1 cells where the first row has 2"


def test_a_long_row_names_the_column_past_the_header():
    error = refusal(RENTS.replace("60,682.0", "60,680,1"))
    assert str(error) == "row 6, column 3: 3 cells where the first row has 2"


@pytest.mark.parametrize("cell, detail", [("abc", "'abc' is not a number"),
                                          ("", "the cell is empty"),
                                          ("nan", "'nan' is not a finite number"),
                                          ("-inf", "'-inf' is not a finite number")])
def test_a_cell_that_is_no_finite_number_is_named(cell, detail):
    error = refusal(RENTS.replace("50,586.5", f"50,{cell}"))
    assert str(error) == f"row 5, column 2 (rent): {detail}"


def test_too_many_rows_are_refused_at_the_first_row_past_the_limit():
    error = refusal(RENTS, max_rows=10)
    assert error.row == 12
    assert str(error) == "row 12: more than 10 data rows, the most allowed"


def test_too_many_columns_are_refused_naming_the_limit():
    error = refusal(table(list("abcdef"), [range(6)] * 12))
    assert (error.row, error.column, error.column_name) == (1, 5, None)
    assert str(error) == (
        "row 1, column 5: 6 columns; at most 4 are allowed, inputs and target together")


def test_too_few_rows_are_refused_naming_the_minimum():
    assert MIN_ROWS == 10
    assert str(refusal(table(["a", "b"], [(1, 2)] * 9))) == "9 data rows; at least 10 are needed"
    assert str(refusal(RENTS, min_rows=13)) == "12 data rows; at least 13 are needed"
    assert str(refusal("a,b\n")) == "0 data rows; at least 10 are needed"


def test_a_single_column_is_refused():
    error = refusal(table(["a"], [(k,) for k in range(12)]))
    assert str(error) == "row 1: only one column: a table needs at least one input and a target"


def test_a_constant_target_is_refused():
    error = refusal(table(["a", "b"], [(k, 3) for k in range(12)]))
    assert (error.row, error.column, error.column_name) == (None, 2, "b")
    assert str(error) == "column 2 (b): the target has the same value, 3, in every row"


def test_a_target_that_no_column_has_is_refused():
    assert str(refusal(RENTS, "price")) == "no column is named 'price'; the columns are area, rent"
    assert str(refusal(RENTS, 2)) == "no column has index 2; the 2 columns have indices 0 to 1"
    assert str(refusal(RENTS, -3)).startswith("no column has index -3")


@pytest.mark.parametrize("task, detail", [
    ("binary", "3 different target values; binary allows at most 2"),
    ("multiclass", "11 different target values; multiclass allows at most 10"),
])
def test_a_task_the_target_cannot_have_is_refused(task, detail):
    classes = 3 if task == "binary" else 11
    error = refusal(table(["a", "y"], [(k, k % classes) for k in range(22)]), task=task)
    assert str(error) == f"column 2 (y): {detail}"


def test_header_names_must_be_present_and_unique():
    nameless = refusal(RENTS.replace("area,rent", "area,"))
    assert str(nameless) == "row 1, column 2: the header gives this column no name"
    twice = refusal(RENTS.replace("area,rent", "x,x"))
    assert str(twice) == "row 1, column 2 (x): column 1 has this name already"


def test_what_the_csv_reader_cannot_read_is_refused_with_its_row():
    error = refusal(RENTS.replace("50,586.5", "50," + "9" * 200_000))
    assert error.row == 5 and "unreadable CSV" in str(error)
