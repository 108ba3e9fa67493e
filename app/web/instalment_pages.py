"""A contribution's schedule of instalments: the officer's form to replace it, typed one instalment a line."""

import re

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic import Field as SchemaField

from app.contributions import service as contributions
from app.db import SessionDep
from app.errors import DomainError
from app.ids import RowId
from app.instalments import service as instalments
from app.instalments.schemas import ScheduleWrite
from app.instalments.wording import plain_reason, read_typed
from app.models import Role
from app.movements.service import get_contribution
from app.web.forms import Field, FormDataDep, FormInvalid, FormSpec, FormState, WriterDep, require_role
from app.web.pages import ViewerDep
from app.web.submitting import FormRoute, audit_log, show_form, submit

router = APIRouter(route_class=FormRoute, include_in_schema=False)

SCHEDULE_FORM = FormSpec(
    title="Change the instalments",
    caption="Contribution schedule",
    button="Save the instalments",
    intro="One instalment a line: its share, then its trigger. Shares are all percentages adding to 100% (the last "
    "instalment takes any pence left by rounding) or all amounts adding to the contribution's total value. "
    "Triggers read: on signing, on commencement, on the 50th occupation, on 50% occupation, on the 10th completion, "
    'on completion of the development, on 31/03/2027; start a trigger with "other:" to keep its words as they '
    "are. The schedule cannot be changed once an instalment has fallen due.",
    fields=(
        Field(
            "schedule",
            "Instalments",
            "textarea",
            hint="For example: 10% on commencement, then 45% on 100% occupation, then 45% on the 250th occupation, "
            "each on its own line",
        ),
    ),
)


class ScheduleForm(BaseModel):
    """The typed schedule, read line by line into instalments."""

    model_config = ConfigDict(extra="forbid")

    schedule: str = SchemaField(max_length=20000)


def on_its_line(error: DomainError) -> str:
    """A refusal of one instalment (field instalments.i...) told as the line it was typed on."""
    found = re.match(r"instalments\.([0-9]+)\.", error.field or "")
    return f"line {int(found[1]) + 1}: {error.detail}" if found else error.detail


def contribution_path(contribution_id: int) -> str:
    """A contribution's page."""
    return f"/web/contributions/{contribution_id}"


@router.get("/web/contributions/{contribution_id}/instalments", name="web_instalments_edit")
def schedule_page(request: Request, contribution_id: RowId, session: SessionDep, viewer: ViewerDep) -> Response:
    """The form to replace a contribution's instalments, holding its schedule as it stands."""
    require_role(viewer.principal, Role.officer)
    get_contribution(session=session, contribution_id=contribution_id, scope=None)
    held = instalments.schedules(session=session, contribution_ids=[contribution_id])[contribution_id]
    state = FormState(values={"schedule": "\n".join(instalments.typed_line(item) for item in held)})
    if instalments.schedule_fixed(session=session, contribution_id=contribution_id):
        state.errors = {"schedule": instalments.FIXED_REASON}
        return show_form(request, SCHEDULE_FORM, state, back=contribution_path(contribution_id), status_code=409)
    return show_form(request, SCHEDULE_FORM, state, back=contribution_path(contribution_id))


@router.post("/web/contributions/{contribution_id}/instalments", name="web_instalments_replace")
def replace_schedule(
    request: Request, contribution_id: RowId, session: SessionDep, viewer: WriterDep, form: FormDataDep
) -> Response:
    """Replace a contribution's instalments, as PUT /contributions/{id}/instalments does."""
    require_role(viewer.principal, Role.officer)
    get_contribution(session=session, contribution_id=contribution_id, scope=None)

    def write(data: ScheduleForm) -> str:
        try:
            schedule = ScheduleWrite(instalments=read_typed(data.schedule))
            contributions.replace_schedule(
                session=session,
                principal=viewer.principal,
                contribution_id=contribution_id,
                schedule=schedule.instalments,
            )
        except ValidationError as error:
            raise FormInvalid({"schedule": plain_reason(error)}) from error
        except ValueError as error:
            raise FormInvalid({"schedule": str(error)}) from error
        except DomainError as error:
            raise FormInvalid({"schedule": on_its_line(error)}) from error
        audit_log(request, session, viewer).record("instalments", [contribution_id], schedule)
        return contribution_path(contribution_id)

    return submit(
        request,
        session,
        viewer,
        form,
        spec=SCHEDULE_FORM,
        schema=ScheduleForm,
        write=write,
        back=contribution_path(contribution_id),
    )
