"""The metric names a PromQL expression reads (functions, labels, clauses and variables removed)."""

from __future__ import annotations

import re

KEYWORDS = frozenset(
    {
        "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
        "offset", "bool", "inf", "nan", "atan2", "start", "end",
    }
)  # fmt: skip
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_VARIABLES = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_CLAUSES = re.compile(
    r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", re.IGNORECASE
)
_IDENT = re.compile(r"(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")
_COMMENTS = re.compile(r"#[^\n]*")


def metric_names(expr: str) -> set[str]:
    """Every metric name ``expr`` selects (``name{...}``, bare ``name``, or ``{__name__="x"}``)."""
    named = set(re.findall(r'__name__\s*=\s*"([^"]+)"', expr))
    text = _COMMENTS.sub(" ", expr)
    text = _VARIABLES.sub("1m", text)  # Grafana's $__rate_interval and friends
    text = _STRINGS.sub('""', text)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _CLAUSES.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        word, call = match.group(1), match.group(2)
        if call or word.lower() in KEYWORDS:
            continue
        names.add(word)
    return names | named
