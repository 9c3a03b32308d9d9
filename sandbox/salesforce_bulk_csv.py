"""CSV as Bulk API 2.0 reads and writes it: the job's column delimiter and line ending, a header row
of field names, every value quoted in what Salesforce returns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

DELIMITERS = {
    "COMMA": ",",
    "TAB": "\t",
    "PIPE": "|",
    "SEMICOLON": ";",
    "CARET": "^",
    "BACKQUOTE": "`",
}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


class CsvError(ValueError):
    """The uploaded data cannot be read as the job's CSV (the job fails with this message)."""


def parse(text: str, delimiter: str, line_ending: str) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of an upload (blank lines skipped)."""
    if line_ending == "LF" and "\r\n" in text:
        raise CsvError(
            "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
        )
    try:
        lines = [
            row
            for row in csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[delimiter])
            if row
        ]
    except csv.Error as exc:
        raise CsvError(f"ClientInputError : {exc}") from exc
    if not lines:
        raise CsvError("InvalidBatch : The CSV data is empty: it needs a header row of field names")
    return lines[0], lines[1:]


def render(
    header: Sequence[str], rows: Iterable[Sequence[str]], delimiter: str, line_ending: str
) -> bytes:
    """A CSV body with every value quoted, as Salesforce returns results."""
    out = io.StringIO(newline="")
    writer = csv.writer(
        out,
        delimiter=DELIMITERS[delimiter],
        lineterminator=LINE_ENDINGS[line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()
