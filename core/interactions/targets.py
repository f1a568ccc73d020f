"""Where a request goes: a directory target (an agent, or a pool of agents: group, skill,
routing point, interaction queue), and the agents who may take it."""

from __future__ import annotations

from sqlalchemy import bindparam, func, or_
from sqlmodel import col, select

from core.directory.models import PERSON_KINDS, Target, TargetKind, TargetMember
from core.errors import InvalidInput, NotFound
from core.identity.models import User

# `simulate call --to queue:Support`: the prefixes a destination may use.
PREFIXES = {
    "agent": tuple(PERSON_KINDS),
    "group": (TargetKind.AGENT_GROUP,),
    "skill": (TargetKind.SKILL,),
    "queue": (TargetKind.INTERACTION_QUEUE,),
    "routing": (TargetKind.ROUTING_POINT,),
    "rp": (TargetKind.ROUTING_POINT,),
}


# Built once: SQLAlchemy caches its SQL, but building it cost more than running it.
_BY_DESTINATION = select(Target).outerjoin(User, User.id == Target.user_id).where(
    col(Target.kind).in_(bindparam("kinds", expanding=True)),
    or_(func.lower(Target.name) == bindparam("wanted"), func.lower(Target.address) == bindparam("wanted"),
        func.lower(Target.address) == bindparam("whole"), func.lower(User.username) == bindparam("wanted")),
)


def is_person(target: Target) -> bool:
    return target.kind in PERSON_KINDS


async def target_by_id(session, target_id: int) -> Target:
    target = await session.get(Target, target_id)
    if target is None:
        raise NotFound(f"No directory target with id {target_id}.")
    return target


async def target_by_destination(session, destination: str) -> Target:
    """`queue:Support`, `group:Français`, `agent:marie.dupont`, `routing:5100`, or a bare
    routing point / queue address. Matches a name, an address or a username, ignoring case."""
    text = destination.strip()
    if not text or len(text) > 160:
        raise InvalidInput("A destination is 1 to 160 characters.", field="to")
    prefix, _, rest = text.partition(":")
    kinds = PREFIXES.get(prefix.lower())
    if kinds is None:
        kinds, rest = tuple(TargetKind), text
    target = (await session.exec(_BY_DESTINATION, params={
        "kinds": list(kinds), "wanted": rest.strip().lower(), "whole": text.lower()})).first()
    if target is None:
        raise NotFound(f"No target matches '{text}'.", field="to")
    return target


async def members(session, target: Target) -> list[int]:
    if is_person(target):
        return [target.user_id] if target.user_id is not None else []
    rows = await session.exec(select(TargetMember.user_id).where(TargetMember.target_id == target.id))
    return list(rows.all())


async def target_of_user(session, user_id: int) -> Target | None:
    return (await session.exec(select(Target).where(Target.user_id == user_id))).first()
