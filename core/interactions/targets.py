"""Where a request goes: a directory target (an agent, or a pool of agents: group, skill,
routing point, interaction queue), and the agents who may take it."""

from __future__ import annotations

from sqlalchemy import bindparam, func, or_, select

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


# Built once: SQLAlchemy caches its SQL, but building it cost more than running it. Whole
# rows of the target table, read as a unit of work's rows (core.store.rows).
_TARGET, _USER, _MEMBER = Target.__table__, User.__table__, TargetMember.__table__
_BY_DESTINATION = select(Target).outerjoin(_USER, _USER.c.id == _TARGET.c.user_id).where(
    _TARGET.c.kind.in_(bindparam("kinds", expanding=True)),
    or_(func.lower(_TARGET.c.name) == bindparam("wanted"), func.lower(_TARGET.c.address) == bindparam("wanted"),
        func.lower(_TARGET.c.address) == bindparam("whole"), func.lower(_USER.c.username) == bindparam("wanted")),
).limit(1)
_MEMBERS = select(_MEMBER.c.user_id).where(_MEMBER.c.target_id == bindparam("target_id"))


def is_person(target: Target) -> bool:
    return target.kind in PERSON_KINDS


async def target_by_id(rows, target_id: int) -> Target:
    """In a unit of work (`rows`: its core.store.rows)."""
    target = await rows.get(Target, target_id)
    if target is None:
        raise NotFound(f"No directory target with id {target_id}.")
    return target


async def target_by_destination(rows, destination: str) -> Target:
    """`queue:Support`, `group:Français`, `agent:marie.dupont`, `routing:5100`, or a bare
    routing point / queue address. Matches a name, an address or a username, ignoring case."""
    text = destination.strip()
    if not text or len(text) > 160:
        raise InvalidInput("A destination is 1 to 160 characters.", field="to")
    prefix, _, rest = text.partition(":")
    kinds = PREFIXES.get(prefix.lower())
    if kinds is None:
        kinds, rest = tuple(TargetKind), text
    found = await rows.all(Target, _BY_DESTINATION, {
        "kinds": list(kinds), "wanted": rest.strip().lower(), "whole": text.lower()})
    if not found:
        raise NotFound(f"No target matches '{text}'.", field="to")
    return found[0]


async def members(rows, target: Target) -> list[int]:
    if is_person(target):
        return [target.user_id] if target.user_id is not None else []
    return [user_id for (user_id,) in await rows.execute(_MEMBERS, {"target_id": target.id})]
