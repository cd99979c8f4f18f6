"""One CSV export read row by row: its header, where each field is, and each row's values.

The file is read as a stream (the csv module over a text file), never loaded whole, and may be read
twice (the scan, then the import: sqmsbot.importing.run). Headers are matched folded, so `Issue key`,
`issue key` and `ISSUE KEY` are one; a header given several times (Jira writes one `Component/s`
column per component) is read as its first non-empty value.

A row is reported, not fatal, when it cannot be read: more or fewer fields than the header, a field
longer than the CSV reader takes or than MAX_FIELD, bytes that are not text in the file's encoding.
A file that is not there, is not text, or lacks a required column is refused as a whole.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from sqmsbot.importing.formats import FIELDS, Format, fold
from sqmsbot.importing.report import Problem, Refused

MAX_FIELD = 32_768
"""Characters a value may have (a description); a longer one is a mistake in the export."""
ERRORS = "sqmsbot-import"
_decode_errors = 0


def _count_and_escape(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not text become lone surrogates (as `surrogateescape` does), counted, so a row
    holding them is reported instead of the whole file failing at the first bad byte."""
    global _decode_errors
    _decode_errors += 1
    replaced, resume = codecs.lookup_error("surrogateescape")(error)
    return str(replaced), resume


codecs.register_error(ERRORS, _count_and_escape)


def _printable(text: str) -> str:
    """Text fit to print in a message: control characters and undecodable bytes shown as `�`."""
    return "".join(ch if ch.isprintable() and not "\udc80" <= ch <= "\udcff" else "\ufffd" for ch in text)


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


FIELD_INDEX = {name: i for i, name in enumerate(FIELDS)}


@dataclass(slots=True)
class Row:
    """One record: its first line in the file, and the value of every field (FIELDS order; stripped,
    "" for a field the file has no column for, and for the format's empty markers such as `?`)."""

    line: int
    values: tuple[str, ...]
    problem: Problem | None = None  # the row could not be read: only its ticket's id may be known

    def __getitem__(self, name: str) -> str:
        return self.values[FIELD_INDEX[name]]


class Table:
    """A CSV file read with one format's columns (and the mapping file's)."""

    def __init__(
        self, path: Path, *, fmt: Format, columns: Mapping[str, tuple[str, ...]], encoding: str
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.candidates = {**fmt.columns, **columns}
        self.encoding = encoding
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise Refused("unknown_encoding", encoding=encoding[:40]) from exc
        if not path.exists():
            raise Refused("file_missing", path=str(path))
        if not path.is_file():
            raise Refused("not_readable", path=str(path), detail="not a file")
        self.header, self.index = self._read_header()

    def _open(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """(first line, fields, csv error) for each record; blank lines are skipped."""
        try:
            handle = self.path.open(encoding=self.encoding, errors=ERRORS, newline="")
        except OSError as exc:
            raise Refused("not_readable", path=str(self.path), detail=exc.strerror or str(exc)) from exc
        with handle:
            reader = csv.reader(handle)
            while True:
                start = reader.line_num + 1
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield start, None, str(exc)
                    continue
                except UnicodeError as exc:  # a codec that cannot even escape (utf-16 without a BOM…)
                    raise Refused(
                        "not_text", path=str(self.path), encoding=self.encoding, line=start
                    ) from exc
                if fields:
                    yield start, fields, None

    def _read_header(self) -> tuple[list[str], dict[str, tuple[int, ...]]]:
        for _line, fields, _error in self._open():
            if fields is None:
                continue
            header = [fold(name.lstrip("\ufeff")) for name in fields]
            index: dict[str, tuple[int, ...]] = {}
            for name, headers in self.candidates.items():
                for candidate in headers:
                    found = tuple(i for i, h in enumerate(header) if h == candidate)
                    if found:
                        index[name] = found
                        break
            missing = [self.candidates[name][0] for name in self.fmt.required if name not in index]
            if missing:
                columns = _printable(", ".join(fields)[:300]) or "—"
                raise Refused("missing_columns", columns=", ".join(missing), found=columns)
            return fields, index
        raise Refused("empty_file", path=str(self.path))

    def rows(self, *, check: bool = True) -> Iterator[Row]:
        """Each data row, with the problem that keeps it from being read, if any (without `check`,
        the values are not looked at: the scan's quick pass)."""
        empty = frozenset(self.fmt.empty)
        blank = dict.fromkeys(empty, "")
        width = len(self.header)
        # One C-level pick of every field per row: a field the file lacks reads the padding cell.
        getter = itemgetter(*(self.index[name][0] if name in self.index else width for name in FIELDS))
        several = [(FIELD_INDEX[name], found) for name, found in self.index.items() if len(found) > 1]
        id_index = self.index["external_id"][0] if "external_id" in self.index else width
        nothing = ("",) * len(FIELDS)
        records = self._open()
        next(records, None)  # the header
        for line, fields, error in records:
            if fields is None:
                yield Row(
                    line, nothing, Problem(line, None, "unreadable", args={"detail": (error or "")[:120]})
                )
                continue
            if len(fields) != width:
                known = fields[id_index].strip() if id_index < len(fields) else ""
                known = "" if known in empty else known
                problem = Problem(line, None, "field_count", args={"fields": len(fields), "expected": width})
                yield Row(line, (known, *nothing[1:]), problem)
                continue
            fields.append("")
            values = tuple(map(str.strip, getter(fields)))
            if blank and not blank.keys().isdisjoint(values):
                values = tuple(map(blank.get, values, values))  # `?` → "", anything else as it is
            if several:
                patched = list(values)
                for position, found in several:
                    patched[position] = next(
                        (v for i in found if (v := fields[i].strip()) and v not in empty), ""
                    )
                values = tuple(patched)
            yield Row(line, values, self._check(line, values) if check else None)

    def cells(self, names: tuple[str, ...]) -> Iterator[tuple[int, tuple[str, ...], bool]]:
        """(line, the stripped values of `names`, readable) per record: the scan's quick look, which
        checks nothing (the import's pass does). A record that cannot be read keeps only what is
        known of it: its ticket's id, when it has that column."""
        width = len(self.header)
        positions = [self.index[name][0] if name in self.index else width for name in names]
        getter = itemgetter(*positions, width)
        first = positions[0]
        blank = ("",) * len(names)
        records = self._open()
        next(records, None)  # the header
        for line, fields, _error in records:
            if fields is not None and len(fields) == width:
                fields.append("")
                yield line, tuple(map(str.strip, getter(fields)))[:-1], True
            elif fields is not None and first < len(fields):
                yield line, (fields[first].strip(), *blank[1:]), False
            else:
                yield line, blank, False

    def _check(self, line: int, values: tuple[str, ...]) -> Problem | None:
        if max(map(len, values)) > MAX_FIELD:
            position = next(i for i, v in enumerate(values) if len(v) > MAX_FIELD)
            length = len(values[position])
            return Problem(
                line, self.column(FIELDS[position]), "too_long", args={"length": length, "limit": MAX_FIELD}
            )
        if _decode_errors:  # only once some bytes were not text (in this process): the rows are looked at
            for position, value in enumerate(values):
                if _has_surrogates(value):
                    return Problem(line, self.column(FIELDS[position]), "not_text")
        return None

    def column(self, name: str) -> str:
        """The file's own header for a field (what a problem names)."""
        indices = self.index.get(name)
        return self.header[indices[0]] if indices else self.candidates.get(name, (name,))[0]
