"""Read articles from .txt (optional 'Key: value' header), .html (trafilatura) and .jsonl files."""
from __future__ import annotations

import datetime as dt
import glob
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from chokepoint.errors import BadInput

SUFFIXES = (".txt", ".html", ".htm", ".jsonl")
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ARTICLE_CHARS = 2_000_000  # longer "articles" are dumps, not news; reported, not processed
HEADER_KEYS = {"title": "title", "headline": "title", "outlet": "outlet", "source": "outlet",
               "publisher": "outlet", "published": "published", "date": "published",
               "url": "url", "author": "author", "byline": "author"}
_HEADER = re.compile(r"^([A-Za-z]+):\s*(.*)$")
_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")
# a date as page furniture writes it near the top ("Published : Mar. 10, 2026 - 15:42", "Monday,
# June 30, 2025 | 15:04 WIB", "Updated 20:41, 05-Feb-2026", "Posted : 2026.01.15", "22/10/2025")
_MONTH = (r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?")
_DATED_LINE = [re.compile(p, re.I) for p in (
    r"\b(?P<y>(?:19|20)\d\d)[-./](?P<m>\d{1,2})[-./](?P<d>\d{1,2})\b",
    rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b",
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s-]+{_MONTH}[\s,-]+(?P<y>(?:19|20)\d\d)\b",
    r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>(?:19|20)\d\d)\b",
)]
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                       "oct", "nov", "dec"), 1)}
FURNITURE_LINES = 15  # how far into the body a dated line still counts as the page's date


@dataclass
class RawDoc:
    """One article as read: its text (HTML already extracted) and whatever metadata the file gave."""

    doc_id: str
    path: str
    text: str
    kind: str
    title: str | None = None
    outlet: str | None = None
    published: dt.date | None = None
    url: str | None = None
    raw_chars: int = 0
    meta: dict = field(default_factory=dict)


def parse_date(value) -> dt.date | None:
    """A date from an ISO string (timestamps allowed) or a common written form; None if not one."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _line_date(line: str) -> dt.date | None:
    for rx in _DATED_LINE:
        m = rx.search(line)
        if m is None:
            continue
        month = _MONTHS[m.group("mon").lower()[:3]] if "mon" in m.groupdict() and m.group("mon") \
            else int(m.group("m"))
        day = int(m.group("d"))
        if rx is _DATED_LINE[3] and month > 12 >= day:  # d/m is the default; "10/22/2025" is m/d
            day, month = month, day
        try:
            return dt.date(int(m.group("y")), month, day)
        except ValueError:
            continue
    return None


def body_date(body: str) -> dt.date | None:
    """The publication date from a short dated line among the body's first lines (page furniture,
    not a sentence); a line saying "published" or "posted" beats an "updated" one."""
    found: list[tuple[bool, dt.date]] = []
    lines = [ln.strip() for ln in body.split("\n") if ln.strip()][:FURNITURE_LINES]
    for line in lines:
        if len(line) > 100 or line.endswith((".", "!", "?")):
            continue
        d = _line_date(line)
        if d is not None:
            found.append((not re.search(r"\bupdated\b", line, re.I), d))
    return max(found, key=lambda f: f[0])[1] if found else None


def expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files named by paths, folders (recursively) and globs; plus (name, error) for misses."""
    files, errors = [], []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUFFIXES)
        elif p.is_file():
            files.append(p)
        elif any(ch in str(raw) for ch in "*?["):
            hits = sorted(Path(h) for h in glob.glob(str(raw), recursive=True) if Path(h).is_file())
            files += hits
            if not hits:
                errors.append((str(raw), "glob matched no files"))
        else:
            errors.append((str(raw), "file not found"))
    seen, unique = set(), []
    for f in files:
        if f.resolve() not in seen:
            seen.add(f.resolve())
            unique.append(f)
    return unique, errors


def _decode(path: Path) -> str:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadInput(f"file too large ({size} bytes, limit {MAX_FILE_BYTES})", file=str(path))
    data = path.read_bytes()
    if not data.strip():
        raise BadInput("empty file", file=str(path))
    if b"\x00" in data[:8192]:
        raise BadInput("binary file (NUL bytes), not text", file=str(path))
    try:
        return denul(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text (byte {exc.start})", file=str(path)) from None


def denul(text: str) -> str:
    """`text` without NUL characters (a stray one past the binary check, or a JSON "\\u0000")."""
    return text.replace("\x00", "") if "\x00" in text else text


def _checked(doc: RawDoc) -> RawDoc:
    if not doc.text.strip():
        raise BadInput("no article text found", file=doc.path)
    if len(doc.text) > MAX_ARTICLE_CHARS:
        raise BadInput(f"article text too long ({len(doc.text)} chars, limit {MAX_ARTICLE_CHARS})",
                       file=doc.path)
    return doc


def split_header(text: str) -> tuple[dict[str, str], str]:
    """Leading 'Key: value' lines (known keys only) up to the first blank line, and the rest."""
    lines = text.split("\n")
    meta: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].strip():
        m = _HEADER.match(lines[i].strip())
        if not m or m.group(1).lower() not in HEADER_KEYS:
            return ({}, text) if i == 0 or not meta else (meta, "\n".join(lines[i:]))
        meta[HEADER_KEYS[m.group(1).lower()]] = m.group(2).strip()
        i += 1
    return meta, "\n".join(lines[i:])


def _from_text(doc_id: str, path: Path, text: str) -> RawDoc:
    meta, body = split_header(text)
    first = next((ln.strip() for ln in body.split("\n") if ln.strip()), None)
    return RawDoc(doc_id, str(path), body, "txt", title=meta.get("title") or first, outlet=meta.get("outlet"),
                  published=parse_date(meta.get("published")) or body_date(body), url=meta.get("url"),
                  raw_chars=len(text), meta=meta)


def html_to_doc(doc_id: str, path: Path, html: str) -> RawDoc:
    """Main text and metadata of an HTML page via trafilatura (scripts, styles, nav dropped)."""
    import trafilatura

    try:
        got = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                          include_tables=False)
    except Exception as exc:  # trafilatura/lxml raise many types on hostile markup
        raise BadInput(f"unreadable HTML ({type(exc).__name__})", file=str(path)) from None
    if got is None or not (got.text or "").strip():
        raise BadInput("no article text found in HTML", file=str(path))
    return RawDoc(doc_id, str(path), got.text, "html", title=got.title, outlet=got.sitename,
                  published=parse_date(got.date), url=got.url, raw_chars=len(html))


def _read_txt(path: Path) -> list[RawDoc]:
    return [_checked(_from_text(path.name, path, _decode(path)))]


def _read_html(path: Path) -> list[RawDoc]:
    return [_checked(html_to_doc(path.name, path, _decode(path)))]


def _read_jsonl(path: Path) -> list[RawDoc | BadInput]:
    """One article per line; a bad line is reported (file and line) and the others kept."""
    out: list[RawDoc | BadInput] = []
    for n, line in enumerate(_decode(path).split("\n"), start=1):
        if not line.strip():
            continue
        try:
            out.append(_checked(_json_doc(path, n, line)))
        except BadInput as exc:
            out.append(exc)
    if not out:
        raise BadInput("no JSON lines in file", file=str(path))
    return out


def _json_doc(path: Path, n: int, line: str) -> RawDoc:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadInput(f"invalid JSON ({exc.msg})", file=str(path), line=n) from None
    except RecursionError:  # nesting deeper than the parser's stack: this line only, not the file
        raise BadInput("invalid JSON (nested too deeply)", file=str(path), line=n) from None
    if not isinstance(obj, dict):
        raise BadInput("each line must be a JSON object", file=str(path), line=n)
    doc_id = denul(f"{path.name}#{obj.get('id', n)}")
    text = next((obj[k] for k in ("text", "content", "body") if isinstance(obj.get(k), str)), None)
    if text is None and isinstance(obj.get("html"), str):
        doc = html_to_doc(doc_id, path, denul(obj["html"]))
    elif text is None:
        raise BadInput("no 'text', 'content', 'body' or 'html' field", file=str(path), line=n,
                       field="text")
    else:
        doc = RawDoc(doc_id, str(path), denul(text), "jsonl", raw_chars=len(line))
    doc.title = _text(obj.get("title")) or doc.title
    doc.outlet = _text(obj.get("outlet")) or _text(obj.get("source")) or doc.outlet
    doc.published = parse_date(obj.get("published") or obj.get("date")) or doc.published
    doc.url = _text(obj.get("url")) or doc.url
    return doc


def _text(value) -> str | None:
    """A metadata field as text without NULs; anything that is not a string counts as absent."""
    return denul(value) if isinstance(value, str) else None


READERS: dict[str, Callable[[Path], list]] = {
    ".txt": _read_txt, ".html": _read_html, ".htm": _read_html, ".jsonl": _read_jsonl,
}


def read(path: Path) -> list[RawDoc | BadInput]:
    """Articles in one file; per-article errors come back in the list, per-file ones are raised."""
    reader = READERS.get(path.suffix.lower(), _read_txt)
    return reader(path)
