"""The form layer: a page form posts the API's own field names and is read by the API's own schemas.

What a person types is made into what the API takes (amounts pasted from spreadsheets, en-GB dates,
one line per list item), validated by the same pydantic model, and refused with the same messages,
each shown beside its field with what was typed kept.
"""

import re
import secrets
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from app.auth.dependencies import session_principal
from app.auth.service import Principal
from app.dates import date_as_typed, in_words
from app.db import SessionDep
from app.errors import DomainError, ForbiddenError, UnauthorizedError
from app.models import Role
from app.web.csrf import CSRF_FIELD, CsrfDep
from app.web.formatting import for_a_page
from app.web.pages import Viewer, current_viewer, templates

FORM_KEY = "form_key"
"""The hidden field carrying a form's one-time key, so a second identical submit is recognised."""

NOT_FIELDS = frozenset({CSRF_FIELD, FORM_KEY})

Model = TypeVar("Model", bound=BaseModel)
Kind = Literal["text", "money", "date", "number", "select", "radios", "textarea", "hidden", "checkboxes", "file"]


@dataclass(frozen=True)
class Field:
    """One input of a form, named as the API names the field (dotted for nested: trigger.type)."""

    name: str
    label: str
    kind: Kind = "text"
    hint: str | None = None
    options: Sequence[tuple[str, str]] = ()
    optional: bool = False
    width: int | None = None
    """The input's width in characters (GOV.UK's fixed widths: 2, 3, 4, 5, 10, 20)."""

    @property
    def id(self) -> str:
        """The input's id, which the error summary links to."""
        return self.name.replace(".", "-")


@dataclass(frozen=True)
class FormSpec:
    """A form: its heading, its fields and what its button says."""

    title: str
    fields: Sequence[Field]
    button: str
    caption: str | None = None
    intro: str | None = None
    multipart: bool = False


@dataclass
class FormState:
    """What a form shows: what was typed, the refusals beside each field, and its one-time key."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    key: str = field(default_factory=lambda: secrets.token_urlsafe(18))

    def value(self, name: str) -> str:
        """What the field holds."""
        return self.values.get(name, "")

    def chosen(self, name: str) -> list[str]:
        """The values a multi-valued field holds."""
        raw = self.values.get(name, "")
        return [part for part in raw.split("\n") if part]


class FormInvalid(Exception):
    """A form the API's schema refuses, with a message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,2})?")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def money_as_typed(text: str) -> str:
    """An amount as people paste it (£48,000, 48000, 48,000.5) written as the API takes it (48000.50)."""
    cleaned = text.strip().replace("£", "").replace(",", "").replace(" ", "")
    if _AMOUNT.fullmatch(cleaned):
        return f"{Decimal(cleaned):.2f}"
    return cleaned  # left for the schema to refuse, with the API's own message


def typed_date(value: str) -> str:
    """A date as a form shows it to be typed (01/12/2026), whether it came as the API writes it or as typed."""
    if _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value


def _unwrap(annotation: Any) -> Any:
    """The type inside Annotated[...] and Optional[...]."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            inner = [arg for arg in get_args(annotation) if arg is not type(None)]
            annotation = inner[0] if len(inner) == 1 else annotation
            if len(inner) != 1:
                return annotation
        else:
            return annotation


def _normalise(annotation: Any, value: Any) -> Any:
    """A typed value made into the API's form for the field's type."""
    kind = _unwrap(annotation)
    if get_origin(kind) is list:
        (item,) = get_args(kind) or (Any,)
        items = value if isinstance(value, list) else str(value).splitlines()
        items = [_normalise(item, entry) for entry in items]
        return [entry for entry in items if entry not in ("", None, {})]
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return _normalise_model(kind, value) if isinstance(value, dict) else value
    if not isinstance(value, str):
        return value
    if kind is Decimal:
        return money_as_typed(value)
    if kind is date:
        return date_as_typed(value)
    return value.strip()


def _normalise_model(schema: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    result = {}
    for name, value in data.items():
        info = schema.model_fields.get(name)
        result[name] = _normalise(info.annotation, value) if info is not None else value
    return {name: value for name, value in result.items() if value not in ("", None, {})}


def _set(tree: dict[str, Any], path: list[str], value: Any) -> None:
    node: Any = tree
    for index, part in enumerate(path):
        last = index == len(path) - 1
        nested_list = not last and path[index + 1].isdigit()
        if isinstance(node, list):
            position = int(part)
            while len(node) <= position:
                node.append({})
            if last:
                node[position] = value
            else:
                wanted = list if nested_list else dict
                if not isinstance(node[position], wanted):
                    node[position] = wanted()
                node = node[position]
        else:
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, [] if nested_list else {})


def _compact(value: Any) -> Any:
    """Drop empty strings and rows left blank (a form offers spare rows for lines)."""
    if isinstance(value, dict):
        kept = {name: _compact(item) for name, item in value.items()}
        return {name: item for name, item in kept.items() if item not in ("", None, {}, [])}
    if isinstance(value, list):
        kept_items = [_compact(item) for item in value]
        return [item for item in kept_items if item not in ("", None, {}, [])]
    return value


def typed_values(form: FormData) -> dict[str, str]:
    """What was typed, by field name, to show again when refused (several values joined by new lines)."""
    values: dict[str, str] = {}
    for name, value in form.multi_items():
        if name in NOT_FIELDS or isinstance(value, UploadFile):
            continue
        values[name] = f"{values[name]}\n{value}" if name in values else str(value)
    return values


def form_body(form: FormData, *, lists: Sequence[str] = ()) -> dict[str, Any]:
    """The posted fields as the API's JSON body (dotted names nested); `lists` are multi-valued fields."""
    tree: dict[str, Any] = {}
    for name in dict.fromkeys(form.keys()):
        if name in NOT_FIELDS:
            continue
        values = [value for value in form.getlist(name) if isinstance(value, str)]
        if not values:
            continue
        _set(tree, name.split("."), values if name in lists else values[-1])
    return _compact(tree)


def messages_of(error: ValidationError) -> dict[str, str]:
    """A ValidationError's messages by dotted field name, worded as the API words them."""
    found: dict[str, str] = {}
    for item in error.errors():
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        name = ".".join(str(part) for part in item.get("loc", ()))
        if not name:  # a rule across fields; the API's message starts with the field it concerns
            name, _, rest = message.partition(": ")
            message = rest or message
        found.setdefault(name, message)
    return found


def read_form(
    schema: type[Model], form: FormData, *, lists: Sequence[str] = (), extra: Mapping[str, Any] | None = None
) -> Model:
    """The API's request model from a posted form, or FormInvalid with the API's messages by field."""
    body = {**_normalise_model(schema, form_body(form, lists=lists)), **(extra or {})}
    try:
        return schema.model_validate(body)
    except ValidationError as error:
        raise FormInvalid({name: for_a_page(message) for name, message in messages_of(error).items()}) from error


_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_CODE_NAME = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def in_page_words(message: str, fields: Sequence[Field] = ()) -> str:
    """A service's message as a page says it: dates as 1 Oct 2026, and the form's field names as their labels."""

    def day(found: re.Match[str]) -> str:
        try:
            return in_words(date(int(found[1]), int(found[2]), int(found[3])))
        except ValueError:
            return found[0]

    labels = {item.name: item.label for item in fields if "." not in item.name}
    worded = _ISO_DATE.sub(day, message)
    return _CODE_NAME.sub(lambda found: labels.get(found[0], found[0]).lower(), worded)


def refusal(error: DomainError, spec: FormSpec | None = None) -> dict[str, str]:
    """A service's refusal placed beside the field it names (or above the form), in a page's words."""
    detail = error.detail
    if error.field and detail.startswith(f"{error.field} "):
        # "on 2020-02-01 is before ..." names its field first; beside the field, its label already does.
        detail = detail.removeprefix(f"{error.field} ")
    return {error.field or "": in_page_words(detail, spec.fields if spec is not None else ())}


async def posted_form(request: Request) -> FormData:
    """The posted form (already parsed by the CSRF check)."""
    return await request.form()


FormDataDep = Annotated[FormData, Depends(posted_form)]


def form_writer(request: Request, session: SessionDep, _csrf: CsrfDep) -> Viewer:
    """Who posts a page form: the signed-in account, once the form's CSRF token has been checked."""
    principal = session_principal(request, session)
    if principal is None:
        raise UnauthorizedError("sign in to send this form")
    return current_viewer(request, session, principal)


WriterDep = Annotated[Viewer, Depends(form_writer)]
"""The signed-in viewer of a state-changing page POST, after its CSRF check."""


def require_role(principal: Principal, *roles: Role) -> None:
    """Refuse a page write to a role that may not make it (finance writes nothing)."""
    if principal.role not in roles:
        raise ForbiddenError(f"a {principal.role.value} account cannot do this")


def may_write(principal: Principal) -> bool:
    """Whether the viewer sees the officer's write forms and buttons."""
    return principal.role is Role.officer


def new_form_key() -> str:
    """A fresh one-time key for a small form on a record's page."""
    return FormState().key


templates.env.globals.update(new_form_key=new_form_key)
templates.env.filters.update(typed_date=typed_date)
