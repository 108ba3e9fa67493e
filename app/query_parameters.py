"""An API read naming a query parameter its route does not take is refused, so a misspelt filter never reads as none.

`?as_of=2021-03-31` for `as_at` would otherwise answer today's figures, which a spreadsheet would take as the
year end's. Bodies already refuse unknown fields; this does the same for the query string.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

_ALLOWED: dict[int, tuple[frozenset[str], str]] = {}
"""Each API route's query parameters (by the route's id) and their names as a list for the message."""


def _query_names(dependant: Dependant) -> Iterator[str]:
    for field in dependant.query_params:
        yield field.alias
    for dependency in dependant.dependencies:
        yield from _query_names(dependency)


def learn(route: APIRoute) -> None:
    """Remember the query parameters a route takes, from everything it depends on."""
    names = frozenset(_query_names(route.dependant))
    _ALLOWED[id(route)] = (names, ", ".join(sorted(names)))


def refuse_unknown(request: Request) -> None:
    """Refuse a request whose query string names a parameter its route does not take (422, naming each)."""
    query = request.scope.get("query_string")
    route: Any = request.scope.get("route")
    if not query or route is None or id(route) not in _ALLOWED:
        return
    allowed, listed = _ALLOWED[id(route)]
    unknown = sorted({name for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True)} - allowed)
    if unknown:
        takes = f"it takes {listed}" if listed else "it takes none"
        message = f"not a query parameter of this request; {takes}"
        raise RequestValidationError(
            [{"loc": ("query", name), "msg": message, "type": "extra_forbidden"} for name in unknown]
        )
