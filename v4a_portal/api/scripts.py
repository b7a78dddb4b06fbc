"""Ad-script routes: generate (10 credits), regenerate, edit (free), list, read."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from v4a_portal.api.deps import (
    BodyRowId,
    CurrentUser,
    DbSession,
    PageNumber,
    PerPage,
    QueryRowId,
    RowId,
)
from v4a_portal.models import GeneratedScript
from v4a_portal.services import scripts

router = APIRouter(prefix="/api/v1", tags=["scripts"])


class ScriptIn(BaseModel):
    image_id: BodyRowId
    product: str = Field(min_length=1, max_length=200)
    audience: str | None = Field(None, max_length=200)
    tone: str | None = Field(None, max_length=100)
    language: str = Field("en", max_length=10)
    target_duration: int = 8


class ScriptEdit(BaseModel):
    script_text: str = Field(min_length=1, max_length=scripts.MAX_TEXT)


class ScriptOut(BaseModel):
    id: int
    image_id: int | None
    parent_script_id: RowId | None
    script_text: str
    credits_used: int
    product: str | None
    audience: str | None
    tone: str | None
    language: str | None
    target_duration: int | None
    writer: str | None
    created_at: datetime

    @classmethod
    def of(cls, row: GeneratedScript) -> ScriptOut:
        return cls.model_validate(row, from_attributes=True)


class GeneratedOut(BaseModel):
    script: ScriptOut
    credits_used: int
    balance: int


class ScriptPage(BaseModel):
    items: list[ScriptOut]
    total: int
    page: int
    per_page: int


def _generated(result: scripts.Generated) -> GeneratedOut:
    return GeneratedOut(
        script=ScriptOut.of(result.script),
        credits_used=result.credits_used,
        balance=result.balance,
    )


@router.post("/ai/generate-script", status_code=201, response_model=GeneratedOut)
def generate_script(body: ScriptIn, user: CurrentUser) -> GeneratedOut:
    assert user.id is not None
    request = scripts.ScriptRequest(**body.model_dump())
    return _generated(scripts.generate(user.id, request))


@router.post("/scripts/{script_id}/regenerate", status_code=201, response_model=GeneratedOut)
def regenerate_script(script_id: RowId, user: CurrentUser) -> GeneratedOut:
    assert user.id is not None
    return _generated(scripts.regenerate(user.id, script_id))


@router.patch("/scripts/{script_id}", response_model=ScriptOut)
def edit_script(
    script_id: RowId, body: ScriptEdit, user: CurrentUser, session: DbSession
) -> ScriptOut:
    assert user.id is not None
    return ScriptOut.of(scripts.edit(session, user.id, script_id, body.script_text))


@router.get("/scripts/{script_id}", response_model=ScriptOut)
def get_script(script_id: RowId, user: CurrentUser, session: DbSession) -> ScriptOut:
    assert user.id is not None
    return ScriptOut.of(scripts.get_owned(session, user.id, script_id))


@router.get("/scripts", response_model=ScriptPage)
def list_scripts(
    user: CurrentUser,
    session: DbSession,
    image_id: QueryRowId | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 20,
) -> ScriptPage:
    assert user.id is not None
    rows, total = scripts.list_for(
        session, user.id, image_id=image_id, page=page, per_page=per_page
    )
    return ScriptPage(
        items=[ScriptOut.of(r) for r in rows], total=total, page=page, per_page=per_page
    )
