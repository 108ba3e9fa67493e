"""An authority's published files beside the ledger, from a page, as POST /comparisons compares them."""

from datetime import date

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from pydantic import Field as Schema
from sqlalchemy.orm import Session

from app.dates import AsAtDay
from app.db import SessionDep
from app.errors import DomainError
from app.models import Role
from app.standard import codelists
from app.standard.crosscheck import compare_files
from app.web.agreement_forms import authority_choices
from app.web.forms import (
    Field,
    FormDataDep,
    FormInvalid,
    FormSpec,
    FormState,
    WriterDep,
    read_form,
    refusal,
    require_role,
    typed_values,
)
from app.web.pages import Viewer, ViewerDep, render
from app.web.submitting import FormRoute, show_form
from app.web.upload_pages import uploaded_sources

router = APIRouter(route_class=FormRoute, include_in_schema=False)

FORCE_PURPOSE = "other"
"""The national purpose councils most often publish policing contributions under."""


class ComparisonForm(BaseModel):
    """The comparison's choices, as POST /comparisons takes them."""

    local_authority: str = Schema(min_length=1, max_length=100)
    purpose: list[str] = Schema(default_factory=lambda: [FORCE_PURPOSE], max_length=50)
    as_at: AsAtDay | None = None


def comparison_form(session: Session, viewer: Viewer) -> FormSpec:
    """The upload form: the authority, its files, the purposes that are the force's, and the as-at date."""
    purposes = [(code, code) for code in codelists.current_codes(codelists.PURPOSE)]
    return FormSpec(
        title="Compare an authority's files with the ledger",
        caption="Reports",
        button="Compare them",
        intro="An authority's published developer-agreement, contribution and transaction files (CSV, XLSX or a "
        "zip of them): for each of the force's contributions in them, the received, transferred and spent they "
        "publish beside the ledger's. Nothing is stored.",
        multipart=True,
        fields=(
            Field("local_authority", "Local authority", "select", options=authority_choices(session, viewer.principal)),
            Field(
                "files",
                "Files",
                "file",
                hint="The files the authority publishes (CSV, XLSX or a zip), as many as it has",
            ),
            Field(
                "purpose",
                "Purposes that are the force's",
                "checkboxes",
                options=purposes,
                hint="The national purposes the authority publishes the force's contributions under; usually other",
            ),
            Field("as_at", "Ledger as at", "date", optional=True, hint="Today if left empty"),
        ),
    )


@router.get("/web/comparisons", name="web_comparison")
def comparison_page(request: Request, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to compare an authority's files with the ledger (the officer and finance)."""
    require_role(viewer.principal, Role.officer, Role.finance)
    state = FormState(values={"purpose": FORCE_PURPOSE})
    return show_form(request, comparison_form(session, viewer), state, back="/web/agreements")


@router.post("/web/comparisons", name="web_comparison_run")
def run_comparison(request: Request, session: SessionDep, viewer: WriterDep, form: FormDataDep) -> Response:
    """Each police contribution the files publish beside the ledger, with its differences named."""
    require_role(viewer.principal, Role.officer, Role.finance)
    spec = comparison_form(session, viewer)
    state = FormState(values=typed_values(form))
    try:
        data = read_form(ComparisonForm, form, lists=("purpose",))
        when = data.as_at or date.today()
        comparison = compare_files(
            session=session,
            files=uploaded_sources(form, "standard"),
            local_authority_id=data.local_authority,
            purposes=tuple(data.purpose or [FORCE_PURPOSE]),
            as_at=when,
            scope=viewer.principal.scope,
        )
    except FormInvalid as invalid:
        state.errors = invalid.errors
        return show_form(request, spec, state, back="/web/agreements", status_code=422)
    except DomainError as error:
        state.errors = refusal(error) if error.field else {"files": error.detail}
        return show_form(request, spec, state, back="/web/agreements", status_code=error.status)
    names = dict(authority_choices(session, viewer.principal))
    return render(
        request,
        "comparison.html",
        {"comparison": comparison, "compared_on": when, "authority_name": names.get(comparison.local_authority_id, "")},
    )
