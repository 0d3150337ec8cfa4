"""A table of numbers pasted or uploaded as CSV text, turned into data the network can learn.

Pure Python and NumPy (the standard csv module for quoting), so the rules are all here:

- The first non-blank row is the header, unless every one of its cells is a number: then it is
  data and the columns are called "column 1", "column 2", … Header names must be unique.
- The separator is ";" if the first row holds one outside quotes, else a tab if it holds one,
  else ",". With ";" or a tab, a decimal comma counts as a point ("1,5" is 1.5), since that is
  how spreadsheets save numbers in many European locales.
- A byte-order mark, CRLF line ends, quoted cells, spaces around cells and blank rows anywhere
  (also rows of empty cells) are accepted. Every other cell must be a finite number.
- The target is the last column unless chosen by name or by 0-based index (negative from the end).
- The task follows the target: integers with 2 distinct values are "binary" (the smaller is
  class 0), 3 to MAX_TABLE_CLASSES distinct integers are "multiclass" (one-hot, classes in ascending
  order), anything else is "regression". A task given explicitly overrides this.

Targets and inputs keep the table's own units: scaling is the app's choice.
Problems raise CsvError, which names the 1-based row (the line in the file) and column of the
first one, so the page can point at it.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from app.engine.datasets import Array, Dataset, InputKind, Task, split

MAX_TABLE_CLASSES = 10
MIN_ROWS = 10
MAX_CELL_CHARS = 100
SEPARATORS = (";", "\t")  # tried in this order; "," when neither splits the first row


class CsvError(ValueError):
    """The first problem found, with its place kept apart from the wording so that the page can
    mark the cell as well as show the message."""

    def __init__(self, detail: str, row: int | None = None, column: int | None = None,
                 column_name: str | None = None) -> None:
        self.detail, self.row, self.column, self.column_name = detail, row, column, column_name
        super().__init__(f"{self.where()}: {detail}" if row or column else detail)

    def where(self) -> str:
        column = f"column {self.column}"
        if self.column_name and self.column_name != column:  # a headerless table's own name
            column += f" ({self.column_name})"
        parts = [f"row {self.row}" if self.row else "", column if self.column else ""]
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class Table:
    x: Array  # [n_inputs, m], the table's own units
    y: Array  # [1, m]: 0/1 or the target's values; [k, m] one-hot for multiclass
    task: Task
    feature_names: tuple[str, ...]
    target_name: str
    class_names: tuple[str, ...]  # the target's values, as written, for each class

    @property
    def input_kind(self) -> InputKind:
        """One or two inputs can be drawn as a curve or a plane (in the table's units, so the
        page has to fit its axes to them); more are shown as a table."""
        kinds: dict[int, InputKind] = {1: "line", 2: "plane"}
        return kinds.get(self.x.shape[0], "table")


def parse_csv(
    text: str, target: str | int | None = None, *, max_rows: int, max_columns: int,
    max_cell_chars: int = MAX_CELL_CHARS, min_rows: int = MIN_ROWS, task: Task | None = None,
) -> Table:
    """max_rows counts data rows (not the header); max_columns counts the target too;
    max_cell_chars bounds every cell, header names included (far below the csv module's own
    field limit, whose error would otherwise be the first thing a one-line file hits)."""
    separator = _separator(text)
    rows = _checked(_rows(text, separator), max_cell_chars)
    first = next(rows, None)
    if first is None:
        raise CsvError("the file holds no rows")
    line, cells = first
    if len(cells) > max_columns:
        raise CsvError(f"{len(cells)} columns; at most {max_columns} are allowed, inputs and "
                       "target together", line, max_columns + 1)
    if len(cells) < 2:
        raise CsvError("only one column: a table needs at least one input and a target", line)
    decimal_comma = separator != ","
    has_header = any(_number(cell, decimal_comma) is None for cell in cells)
    names = _names(cells, line) if has_header else [f"column {k}" for k in range(1, len(cells) + 1)]
    values = [] if has_header else [_numbers(line, cells, names, decimal_comma)]
    for line, cells in rows:
        if len(values) == max_rows:
            raise CsvError(f"more than {max_rows} data rows, the most allowed", line)
        values.append(_numbers(line, cells, names, decimal_comma))
    if len(values) < min_rows:
        raise CsvError(f"{len(values)} data rows; at least {min_rows} are needed")
    return _table(np.array(values).T, names, _target_index(target, names), task)


def csv_dataset(table: Table, test_ratio: float, rng: np.random.Generator) -> Dataset:
    return Dataset(*split(table.x, table.y, test_ratio, rng), task=table.task,
                   input_kind=table.input_kind, feature_names=table.feature_names,
                   target_name=table.target_name, class_names=table.class_names)


def _separator(text: str) -> str:
    """The first separator that splits the first row; a row the csv module cannot read at all
    (a cell beyond its field limit) is left for _rows to report with its line."""
    first = next((line for line in text.removeprefix("\ufeff").splitlines() if line.strip()), "")
    for separator in SEPARATORS:
        try:
            if len(next(csv.reader([first], delimiter=separator, skipinitialspace=True))) > 1:
                return separator
        except csv.Error:
            continue
    return ","


def _checked(rows: Iterator[tuple[int, list[str]]], max_chars: int) -> Iterator[tuple[int, list[str]]]:
    """The rows, refusing the first cell longer than max_chars."""
    for line, cells in rows:
        for k, cell in enumerate(cells, start=1):
            if len(cell) > max_chars:
                raise CsvError(f"a cell of {len(cell)} characters; at most {max_chars} are allowed",
                               line, k)
        yield line, cells


def _rows(text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped cells) of each non-blank row."""
    source = io.StringIO(text.removeprefix("\ufeff"), newline="")
    reader = csv.reader(source, delimiter=separator, skipinitialspace=True)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise CsvError(f"unreadable CSV ({error})", reader.line_num) from None


def _names(cells: list[str], line: int) -> list[str]:
    for k, name in enumerate(cells, start=1):
        if not name:
            raise CsvError("the header gives this column no name", line, k)
        if name in cells[: k - 1]:
            raise CsvError(f"column {cells.index(name) + 1} has this name already", line, k, name)
    return cells


def _numbers(line: int, cells: list[str], names: list[str], decimal_comma: bool) -> list[float]:
    if len(cells) != len(names):
        column = min(len(cells), len(names)) + 1
        raise CsvError(f"{len(cells)} cells where the first row has {len(names)}", line, column,
                       names[column - 1] if column <= len(names) else None)
    numbers = []
    for k, (cell, name) in enumerate(zip(cells, names), start=1):
        number = _number(cell, decimal_comma)
        if number is None:
            raise CsvError(f"{cell!r} is not a number" if cell else "the cell is empty", line, k,
                           name)
        if not np.isfinite(number):
            raise CsvError(f"{cell!r} is not a finite number", line, k, name)
        numbers.append(number)
    return numbers


def _number(cell: str, decimal_comma: bool) -> float | None:
    try:
        return float(cell.replace(",", ".") if decimal_comma else cell)
    except ValueError:
        return None


def _target_index(target: str | int | None, names: list[str]) -> int:
    if target is None:
        return len(names) - 1
    if isinstance(target, str):
        if target.strip() in names:
            return names.index(target.strip())
        raise CsvError(f"no column is named {target!r}; the columns are {', '.join(names)}")
    if -len(names) <= target < len(names):
        return target % len(names)
    raise CsvError(f"no column has index {target}; the {len(names)} columns have indices 0 to "
                   f"{len(names) - 1}")


def _table(columns: Array, names: list[str], target: int, task: Task | None) -> Table:
    values = columns[target]
    labels = np.unique(values)
    where = (None, target + 1, names[target])
    if labels.size == 1:
        raise CsvError(f"the target has the same value, {_label(labels[0])}, in every row", *where)
    task = task or _inferred_task(labels)
    most = {"binary": 2, "multiclass": MAX_TABLE_CLASSES}.get(task, labels.size)
    if labels.size > most:
        raise CsvError(f"{labels.size} different target values; {task} allows at most {most}",
                       *where)
    return Table(
        x=np.delete(columns, target, axis=0),
        y=_encoded(values, labels, task),
        task=task,
        feature_names=tuple(name for k, name in enumerate(names) if k != target),
        target_name=names[target],
        class_names=() if task == "regression" else tuple(_label(v) for v in labels),
    )


def _inferred_task(labels: Array) -> Task:
    if labels.size <= MAX_TABLE_CLASSES and np.array_equal(labels, np.round(labels)):
        return "binary" if labels.size == 2 else "multiclass"
    return "regression"


def _encoded(values: Array, labels: Array, task: Task) -> Array:
    if task == "regression":
        return values[None, :]
    index = np.searchsorted(labels, values)
    return index[None, :].astype(float) if task == "binary" else np.eye(labels.size)[:, index]


def _label(value: float) -> str:
    """3.0 as "3", 0.5 as "0.5": how a person would have written the class."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)

