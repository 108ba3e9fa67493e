"""Request and response shapes for local authorities."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.models import DocumentKind, Regime, ReleaseBasis

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]


class LocalAuthorityCreate(BaseModel):
    """A new local planning authority."""

    model_config = ConfigDict(extra="forbid")

    id: Slug = Field(description="a slug such as `blaby` or `north-west-leicestershire`")
    name: Annotated[str, Field(min_length=1, max_length=200)]
    organisation: Annotated[str | None, Field(max_length=64, description="e.g. local-authority-eng:BLA")] = None
    regime: Regime = Regime.s106
    release_basis: ReleaseBasis | None = None
    release_evidence: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list, max_length=50)
    release_notes: Annotated[str | None, Field(max_length=5000)] = None
    evidence_kinds: list[DocumentKind] = Field(
        default_factory=list, max_length=20, description="document kinds a request must carry to be submitted"
    )
    own_template: bool = Field(default=False, description="whether a request goes on the authority's own template")
    response_days: Annotated[int | None, Field(ge=1, le=3650, description="usual days to answer a request")] = None


class LocalAuthorityUpdate(BaseModel):
    """Changes to an authority's description and release rules."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str | None, Field(min_length=1, max_length=200)] = None
    organisation: Annotated[str | None, Field(max_length=64)] = None
    regime: Regime | None = None
    release_basis: ReleaseBasis | None = None
    release_evidence: list[Annotated[str, Field(max_length=500)]] | None = Field(default=None, max_length=50)
    release_notes: Annotated[str | None, Field(max_length=5000)] = None
    evidence_kinds: list[DocumentKind] | None = Field(default=None, max_length=20)
    own_template: bool | None = None
    response_days: Annotated[int | None, Field(ge=1, le=3650)] = None
    dwellings_per_year: Annotated[
        int | None,
        Field(ge=1, le=5000, description="the forecast's build rate for its sites without recorded progress"),
    ] = None


class LocalAuthorityRead(BaseModel):
    """A local planning authority and how it releases money to the force."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    organisation: str | None
    regime: Regime
    release_basis: ReleaseBasis | None
    release_evidence: list[str]
    release_notes: str | None
    evidence_kinds: list[DocumentKind]
    own_template: bool
    response_days: int | None
    dwellings_per_year: int | None = Field(
        default=None, description="the forecast's build rate for its sites without recorded progress (null: 50)"
    )
