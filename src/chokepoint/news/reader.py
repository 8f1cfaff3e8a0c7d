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
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"not UTF-8 text (byte {exc.start})", file=str(path)) from None


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
                  published=parse_date(meta.get("published")), url=meta.get("url"),
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
    if not isinstance(obj, dict):
        raise BadInput("each line must be a JSON object", file=str(path), line=n)
    doc_id = f"{path.name}#{obj.get('id', n)}"
    text = next((obj[k] for k in ("text", "content", "body") if isinstance(obj.get(k), str)), None)
    if text is None and isinstance(obj.get("html"), str):
        doc = html_to_doc(doc_id, path, obj["html"])
    elif text is None:
        raise BadInput("no 'text', 'content', 'body' or 'html' field", file=str(path), line=n,
                       field="text")
    else:
        doc = RawDoc(doc_id, str(path), text, "jsonl", raw_chars=len(line))
    doc.title = obj.get("title") or doc.title
    doc.outlet = obj.get("outlet") or obj.get("source") or doc.outlet
    doc.published = parse_date(obj.get("published") or obj.get("date")) or doc.published
    doc.url = obj.get("url") or doc.url
    return doc


READERS: dict[str, Callable[[Path], list]] = {
    ".txt": _read_txt, ".html": _read_html, ".htm": _read_html, ".jsonl": _read_jsonl,
}


def read(path: Path) -> list[RawDoc | BadInput]:
    """Articles in one file; per-article errors come back in the list, per-file ones are raised."""
    reader = READERS.get(path.suffix.lower(), _read_txt)
    return reader(path)
