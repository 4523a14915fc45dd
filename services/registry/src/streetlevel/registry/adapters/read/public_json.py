"""The public record rendered by PostgreSQL: the JSON text of ``views.public_view`` in SQL.

The export streams it for every row and the hot reads send it as it comes, so the registry
moves bytes instead of decoding some twenty columns, building a dict and encoding it again.
The rendering depends on no session setting (time zone, date style), except
``extra_float_digits``, which must be at least 1 (PostgreSQL's default) for exact floats.
Parity with ``public_view`` is tested row by row on PostgreSQL.
"""

from __future__ import annotations

from datetime import date, datetime

from streetlevel.registry.adapters.read.views import timestamp
from streetlevel.registry.domain.model import PRIVATE_ADDRESS_FORMS


class _Sql(str):
    """An SQL expression giving JSON text; a plain ``str`` in a line is literal JSON text."""


def sql_list(values: frozenset[str]) -> str:
    # Enum values from the domain, never input.
    return "(" + ", ".join(f"'{v}'" for v in sorted(values)) + ")"


def _text(column: str) -> _Sql:
    """A JSON string (to_json escapes it as JSON requires) or null."""
    return _Sql(f"coalesce(to_json({column})::text, 'null')")


def _scalar(column: str) -> _Sql:
    """An integer or boolean: its text is its JSON."""
    return _Sql(f"coalesce({column}::text, 'null')")


def _float(column: str) -> _Sql:
    """A float as Python writes it: ``60.0`` not ``60``; NaN and infinities as null."""
    return _Sql(
        f"CASE WHEN {column} IS NULL THEN 'null' "
        f"WHEN {column} = trunc({column}) AND abs({column}) < 1e15 "
        f"THEN trunc({column})::bigint::text || '.0' "
        f"WHEN {column} IN ('NaN', 'Infinity', '-Infinity') THEN 'null' "
        f"ELSE {column}::text END"
    )


def _timestamp(column: str) -> tuple[str, _Sql, str]:
    """``views.timestamp``: RFC 3339 in UTC with a Z, microseconds only when there are some.

    asyncpg reads PostgreSQL's infinities as ``datetime.max`` and ``datetime.min``.
    """
    text = f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
    ends = [timestamp(d) for d in (datetime.max, datetime.min)]
    return (
        '"',
        _Sql(
            f"CASE WHEN {column} = 'infinity' THEN '{ends[0]}' "
            f"WHEN {column} = '-infinity' THEN '{ends[1]}' "
            f"ELSE replace({text}, '.000000Z', 'Z') END"
        ),
        '"',
    )


def _date(column: str) -> _Sql:
    """ISO 8601 or null; asyncpg reads the infinities as ``date.max`` and ``date.min``."""
    return _Sql(
        f"CASE WHEN {column} IS NULL THEN 'null' "
        f"WHEN {column} = 'infinity' THEN '\"{date.max.isoformat()}\"' "
        f"WHEN {column} = '-infinity' THEN '\"{date.min.isoformat()}\"' "
        f"ELSE '\"' || to_char({column}, 'YYYY-MM-DD') || '\"' END"
    )


#: The keys and values of ``views.public_view``, in its order. The JSON columns are copied as
#: stored: migration 0003 keeps services in their public form and every value on one line.
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("id", ('"', _Sql("e.id::text"), '"')),
    (
        "identifier",
        (
            _Sql(
                "CASE WHEN e.identifier_scheme <> '' THEN '{\"scheme\":' || "
                f"{_text('e.identifier_scheme')} || ',\"id\":' || {_text('e.identifier_id')} "
                "|| '}' ELSE 'null' END"
            ),
        ),
    ),
    ("name", (_text("e.name"),)),
    ("legal_form", (_text("e.legal_form"),)),
    ("status", ('"', _Sql("e.status"), '"')),  # one of PUBLIC_STATUSES (the WHERE clause)
    ("mission", (_text("e.mission"),)),
    ("themes", (_Sql("e.themes::text"),)),
    ("areas_served", (_Sql("e.areas_served::text"),)),
    ("website", (_text("e.website"),)),
    ("employees", (_scalar("e.employees"),)),
    (
        "size",  # the bands of model.size_for
        (
            _Sql(
                "CASE WHEN e.employees IS NULL THEN 'null' WHEN e.employees < 10 THEN '\"micro\"' "
                "WHEN e.employees < 50 THEN '\"small\"' "
                "WHEN e.employees < 250 THEN '\"medium\"' ELSE '\"large\"' END"
            ),
        ),
    ),
    ("trading_income_pct", (_float("e.trading_income_pct"),)),
    ("profit_reinvested_pct", (_float("e.profit_reinvested_pct"),)),
    ("asset_lock", (_scalar("e.asset_lock"),)),
    ("independent", (_scalar("e.independent"),)),
    ("publishes_social_report", (_scalar("e.publishes_social_report"),)),
    ("accreditations", (_Sql("e.accreditations::text"),)),
    ("services", (_Sql("e.services::text"),)),
    ("founded_on", (_date("e.founded_on"),)),
    (
        "address",
        (
            _Sql(
                f"CASE WHEN e.legal_form IN {sql_list(PRIVATE_ADDRESS_FORMS)} "
                "OR e.address IS NULL THEN 'null' ELSE e.address::text END"
            ),
        ),
    ),
    ("created_at", _timestamp("e.created_at")),
    ("updated_at", _timestamp("e.updated_at")),
    ("version", (_Sql("e.version::text"),)),
)


def _concatenation(parts: list[str]) -> str:
    """``a || b || …`` with neighbouring literal texts joined into one SQL literal."""
    out: list[str] = []
    literal = ""
    for part in parts:
        if isinstance(part, _Sql):
            if literal:
                out.append("'" + literal.replace("'", "''") + "'")
                literal = ""
            out.append(part)
        else:
            literal += part
    if literal:
        out.append("'" + literal.replace("'", "''") + "'")
    return " || ".join(out)


def public_json_sql() -> str:
    """The expression (over ``enterprises e``) whose value is the public record's JSON text."""
    parts: list[str] = []
    for n, (key, value) in enumerate(FIELDS):
        parts += ["{" if n == 0 else ",", f'"{key}":', *value]
    parts.append("}")
    return _concatenation(parts)


#: ``enterprises e``'s public record as JSON text (keys and values of ``views.public_view``).
PUBLIC_JSON = public_json_sql()
