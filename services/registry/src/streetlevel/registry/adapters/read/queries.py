"""Hot reads with Core: the register search (keyset pages), one record, its history."""

from __future__ import annotations

import functools
import re
import uuid
from collections import namedtuple
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    Result,
    Select,
    Text,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from streetlevel.common.areas import TYPE_ORDER, area_type
from streetlevel.common.errors import ValidationProblem
from streetlevel.common.pagination import decode_cursor, encode_cursor
from streetlevel.registry.adapters.orm import (
    enterprise_accreditations,
    enterprise_areas,
    enterprise_themes,
    enterprises,
    revisions,
)
from streetlevel.registry.adapters.read.views import PUBLIC_COLUMNS

Sort = Literal["name", "-updated_at", "relevance"]
RELEVANCE_CAP = 1000
_WORD = re.compile(r"\w+", re.UNICODE)
e = enterprises.c


@functools.cache
def _record_type(columns: tuple[str, ...]) -> Any:
    return namedtuple("Record", columns)


def _records(result: Result[Any]) -> list[Any]:
    """The rows as named tuples: a view reads ~25 attributes, each ~10x dearer on a Row."""
    make = _record_type(tuple(result.keys()))._make
    return [make(row) for row in result]


#: A page row's public record as stored (``public_line``, migration 0006, over the page ``e``).
_BODY: ColumnElement[bytes] = literal_column("convert_to(e.public_line, 'UTF8')").label("body")
#: A rendered page reads its keys and the stored line, not the columns of the view: a narrower
#: sort (top-N over every match of a search) and nothing rendered per row.
_RENDERED_COLUMNS = ("id", "name", "updated_at")
Order = list[tuple[str, bool]]
"""A page's sort keys by column name, each with ``True`` for descending."""


def _rendered(query: Select[Any], order: Order) -> Select[Any]:
    """The page of ``query`` (PostgreSQL, public columns) as keys and rendered bodies, in order."""
    page = query.subquery("e")
    keys = [page.c[name].desc() if desc else page.c[name] for name, desc in order]
    return (
        select(page.c.id, page.c.name, page.c.updated_at, _BODY).select_from(page).order_by(*keys)
    )


@dataclass(frozen=True)
class Search:
    """A register query, already authorised: ``statuses`` are those the caller may see."""

    statuses: Collection[str]
    q: str | None = None
    legal_form: str | None = None
    status: str | None = None
    area_codes: Collection[str] | None = None
    theme: str | None = None
    size: str | None = None
    accreditation: str | None = None
    updated_since: datetime | None = None
    sort: Sort = "name"


def _bad_cursor() -> ValidationProblem:
    return ValidationProblem(
        "The cursor is not valid for this query.",
        [{"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "value_error"}],
    )


def _fts_query(q: str) -> str | None:
    words = _WORD.findall(q)
    return " ".join(f'"{w}"*' for w in words[:16]) or None


def _keys(column: str, values: Sequence[str], op: str) -> ColumnElement[bool]:
    array = bindparam(None, list(values), type_=ARRAY(Text))
    return literal_column(f"enterprises.{column}").bool_op(op)(array)


def coarse_first(codes: Collection[str]) -> list[str]:
    """Area codes from the largest areas to the smallest (LSOAs last), then by code."""
    # An overlap test compares a row's codes with the list in order. A large area covers more
    # enterprises than any one of its LSOAs, so most matches come after a few comparisons
    # instead of after every LSOA of a LAD (at 1M rows that was 0.5-1 ms of a 4 ms search).
    return sorted(codes, key=lambda code: (TYPE_ORDER.get(area_type(code) or "lsoa", 5), code))


def _array_keys(s: Search) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """PostgreSQL: area overlap, and the keys that ``ix_enterprises_search_keys`` indexes."""
    areas = [] if s.area_codes is None else [_keys("area_keys", coarse_first(s.area_codes), "&&")]
    keys: list[ColumnElement[bool]] = []
    if s.theme:
        keys.append(_keys("theme_keys", [s.theme], "@>"))
    if s.accreditation:
        keys.append(_keys("accreditation_keys", [s.accreditation], "@>"))
    return areas, keys


def _side_tables(s: Search) -> list[ColumnElement[bool]]:
    """SQLite: semi-joins on the key tables the repository maintains."""
    where: list[ColumnElement[bool]] = []
    if s.area_codes is not None:
        ea = enterprise_areas.c
        where.append(
            exists().where(ea.enterprise_id == e.id, ea.area_code.in_(sorted(s.area_codes)))
        )
    if s.theme:
        et = enterprise_themes.c
        where.append(exists().where(et.enterprise_id == e.id, et.theme == s.theme))
    if s.accreditation:
        ac = enterprise_accreditations.c
        where.append(exists().where(ac.enterprise_id == e.id, ac.accreditation == s.accreditation))
    return where


def _filters(s: Search, dialect: str) -> tuple[list[ColumnElement[bool]], ColumnElement[Any]]:
    """WHERE clauses and the relevance expression (higher is better)."""
    where: list[ColumnElement[bool]] = []
    rank: ColumnElement[Any] = literal(0.0, Float)
    statuses = set(s.statuses)
    if s.status is not None:
        statuses &= {s.status}
    where.append(e.status.in_(sorted(statuses)) if statuses else literal(False))
    if s.legal_form:
        where.append(e.legal_form == s.legal_form)
    if s.size:
        where.append(e.size == s.size)
    if s.updated_since is not None:
        where.append(e.updated_at >= s.updated_since)
    keys: list[ColumnElement[bool]] = []
    areas: list[ColumnElement[bool]] = []
    if dialect == "postgresql":
        # Areas last: an overlap with a LAD's hundred codes costs more than the other filters.
        areas, keys = _array_keys(s)
    else:
        where += _side_tables(s)
    if s.q and s.q.strip():
        q = s.q.strip()
        if dialect == "postgresql":
            vector: ColumnElement[Any] = literal_column("enterprises.search_vector")
            tsq = func.websearch_to_tsquery(literal_column("'english'"), q)
            # The keys go into each branch, so the text branch is one scan of the combined GIN.
            where.append(
                or_(and_(vector.bool_op("@@")(tsq), *keys), and_(e.name.bool_op("%")(q), *keys))
            )
            keys = []
            rank = func.ts_rank(vector, tsq) + func.similarity(e.name, q)
        else:
            match = _fts_query(q)
            if match is None:
                where.append(literal(False))
            else:
                hits = text(
                    "SELECT rowid AS rid, bm25(enterprises_fts) AS score FROM enterprises_fts "
                    "WHERE enterprises_fts MATCH :match"
                ).bindparams(match=match)
                sub = hits.columns(
                    literal_column("rid").label("rid"), literal_column("score").label("score")
                ).subquery("fts")
                where.append(literal_column("enterprises.rowid").in_(select(sub.c.rid)))
                # bm25 is lower for better matches.
                rank = -(
                    select(sub.c.score)
                    .where(sub.c.rid == literal_column("enterprises.rowid"))
                    .scalar_subquery()
                )
    return where + keys + areas, rank


async def search(
    conn: AsyncConnection,
    s: Search,
    *,
    limit: int,
    cursor: str | None,
    columns: Sequence[str] = PUBLIC_COLUMNS,
    rendered: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of the register (``columns`` of each row) and the cursor of the next page.

    ``rendered`` (PostgreSQL, public columns): each row is its keyset columns and ``body``, the
    public record as JSON bytes as the database stores it (``public_line``, migration 0006).
    """
    dialect = conn.dialect.name
    where, rank = _filters(s, dialect)
    position = decode_cursor(cursor)
    # The keyset reads id, name and updated_at; the view reads the rest.
    selected = dict.fromkeys(_RENDERED_COLUMNS if rendered else [*columns, *_RENDERED_COLUMNS])
    query: Select[Any] = select(*(enterprises.c[name] for name in selected)).where(and_(*where))
    if rendered:
        query = query.add_columns(literal_column("enterprises.public_line").label("public_line"))

    async def page(query: Select[Any], order: Order) -> list[Any]:
        return _records(await conn.execute(_rendered(query, order) if rendered else query))

    if s.sort == "relevance":
        offset = int(position.get("o", 0)) if position else 0
        if offset < 0 or offset >= RELEVANCE_CAP:
            raise _bad_cursor()
        limit = min(limit, RELEVANCE_CAP - offset)
        if rendered:
            query = query.add_columns(rank.label("rank"))
        query = query.order_by(rank.desc(), e.id).offset(offset).limit(limit + 1)
        rows = await page(query, [("rank", True), ("id", False)])
        more = len(rows) > limit and offset + limit < RELEVANCE_CAP
        nxt = encode_cursor({"s": "relevance", "o": offset + limit}) if more else None
        return rows[:limit], nxt
    try:
        if s.sort == "name":
            order = [("name", False), ("id", False)]
            query = query.order_by(e.name, e.id)
            if position:
                after = tuple_(
                    literal(str(position["n"]), e.name.type),
                    literal(uuid.UUID(position["i"]), e.id.type),
                )
                query = query.where(tuple_(e.name, e.id) > after)
        else:
            order = [("updated_at", True), ("id", True)]
            query = query.order_by(e.updated_at.desc(), e.id.desc())
            if position:
                before = tuple_(
                    literal(datetime.fromisoformat(position["u"]), e.updated_at.type),
                    literal(uuid.UUID(position["i"]), e.id.type),
                )
                query = query.where(tuple_(e.updated_at, e.id) < before)
    except (KeyError, ValueError, TypeError) as exc:
        raise _bad_cursor() from exc
    if position and position.get("s") != s.sort:
        raise _bad_cursor()
    rows = await page(query.limit(limit + 1), order)
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    key: dict[str, Any] = {"s": s.sort, "i": str(last.id)}
    if s.sort == "name":
        key["n"] = last.name
    else:
        key["u"] = last.updated_at.isoformat()
    return rows[:limit], encode_cursor(key)


async def get_row(conn: AsyncConnection, enterprise_id: uuid.UUID) -> Any | None:
    return (await conn.execute(select(enterprises).where(e.id == enterprise_id))).first()


async def history(
    conn: AsyncConnection, enterprise_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[Any], str | None]:
    """Revisions oldest first, keyset on the revision id."""
    r = revisions.c
    query = select(revisions).where(r.enterprise_id == enterprise_id).order_by(r.id)
    position = decode_cursor(cursor)
    if position:
        try:
            query = query.where(r.id > int(position["r"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise _bad_cursor() from exc
    rows = list((await conn.execute(query.limit(limit + 1))).all())
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], encode_cursor({"r": rows[limit - 1].id})
