"""A Bulk API 2.0 query result set is read line by line from its text, not copied whole: the rows
must be exactly what the csv module reads from the whole text."""

from __future__ import annotations

import csv
import io

import pytest

from storegate.providers.salesforce.bulk_query import lines_of

RESULT_SETS = [
    "",
    "Id,Email\n",
    "Id,Email\n003A,ada@example.com\n003B,bo@example.com\n",
    "Id,Email\n003A,ada@example.com",  # no final line end
    'Id,Name\n001A,"Smith, Jones ""&"" Co"\n001B,"two\nlines"\n',
    'Id,Name\n001A,"a\rb"\n001B,"c\u2028d\x85e"\n001C,plain\n',
]


@pytest.mark.parametrize("text", RESULT_SETS)
def test_rows_equal_a_read_of_the_whole_text(text: str) -> None:
    assert list(csv.DictReader(lines_of(text))) == list(csv.DictReader(io.StringIO(text)))


def test_lines_keep_their_line_ends_and_nothing_else_splits() -> None:
    assert list(lines_of("a\nb\u2028c\r\nd")) == ["a\n", "b\u2028c\r\n", "d"]
