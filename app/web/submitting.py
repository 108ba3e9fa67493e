"""Showing a form and taking its post: validate, write once, redirect; or show the refusal beside the field."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app import idempotency
from app.audit.dependencies import AuditLog
from app.errors import ConflictError, DomainError, ForbiddenError, UnauthorizedError
from app.web.forms import FORM_KEY, FormInvalid, FormSpec, FormState, Model, read_form, refusal, typed_values
from app.web.pages import PageRoute, Viewer, render

FORM_TEMPLATE = "form.html"
KEY_PREFIX = "web-form:"
"""One-time form keys share the Idempotency-Key table with the API's keys, apart from them."""


class FormRoute(PageRoute):
    """A page route whose refusal of the caller's role is a page too (403), not problem details."""

    def get_route_handler(self) -> Callable[[Request], Any]:
        """Wrap the page handler so that a refused role or CSRF token is shown as a page."""
        handler = super().get_route_handler()

        async def form_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ForbiddenError as error:
                return render(request, "forbidden.html", {"reason": error.detail}, status_code=403)

        return form_handler


def show_form(
    request: Request,
    spec: FormSpec,
    state: FormState | None = None,
    *,
    back: str,
    context: Mapping[str, Any] | None = None,
    status_code: int = 200,
    template: str = FORM_TEMPLATE,
) -> Response:
    """A form page, empty or with what was typed and its refusals."""
    return render(
        request,
        template,
        {"form": spec, "state": state or FormState(), "back": back, **(context or {})},
        status_code=status_code,
    )


def audit_log(request: Request, session: Session, viewer: Viewer) -> AuditLog:
    """The audit trail for a page write: the same one the API's writes go to."""
    return AuditLog(request=request, session=session, principal=viewer.principal)


def submit(
    request: Request,
    session: Session,
    viewer: Viewer,
    form: FormData,
    *,
    spec: FormSpec,
    schema: type[Model],
    write: Callable[[Model], str],
    back: str,
    lists: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
    context: Mapping[str, Any] | None = None,
    template: str = FORM_TEMPLATE,
) -> Response:
    """Read the form with the API's schema, write once under its one-time key, and redirect to `write`'s page."""
    key = form.get(FORM_KEY)
    state = FormState(values=typed_values(form))
    if isinstance(key, str) and key:
        state.key = key

    def refused(errors: dict[str, str], status_code: int) -> Response:
        state.errors = errors
        return show_form(request, spec, state, back=back, context=context, status_code=status_code, template=template)

    try:
        data = read_form(schema, form, lists=lists, extra=extra or {})
    except FormInvalid as invalid:
        return refused(invalid.errors, 422)
    fingerprint = idempotency.fingerprint("POST", request.url.path, data.model_dump(mode="json"))
    one_time = f"{KEY_PREFIX}{key}" if isinstance(key, str) and key else None
    actor = idempotency.caller_of(viewer.principal)
    try:
        if one_time:
            stored = idempotency.replay(session=session, actor=actor, key=one_time, request_fingerprint=fingerprint)
            if stored is not None:
                return RedirectResponse(str(stored.response_body["location"]), status_code=303)
        location = write(data)
        if one_time:
            idempotency.remember(
                session=session,
                actor=actor,
                key=one_time,
                request_fingerprint=fingerprint,
                status=303,
                body={"location": location},
            )
    except FormInvalid as invalid:
        session.rollback()
        return refused(invalid.errors, 422)
    except ConflictError as error:
        session.rollback()
        if error.field == "Idempotency-Key":
            return refused({"": "This form was already sent with other values: reload the page to send it again"}, 409)
        return refused(refusal(error, spec), error.status)
    except DomainError as error:
        session.rollback()  # nothing of a refused write is kept
        if isinstance(error, (ForbiddenError, UnauthorizedError)) and error.field is None:
            raise
        return refused(refusal(error, spec), error.status)
    return RedirectResponse(location, status_code=303)
