"""The demo contact centre (`backline demo load`, loaded by `make run`)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from core.demo import load_demo
from core.directory.models import Target, TargetKind, TargetMember
from core.identity.models import Role, Team, TeamSupervisor, User


async def count(session, model, *where) -> int:
    return (await session.exec(select(func.count()).select_from(model).where(*where))).one()


async def test_demo_has_forty_agents_in_three_teams_with_accented_names(backline):
    async with backline.store.read() as session:
        assert await count(session, User, User.role == Role.AGENT) >= 40
        assert await count(session, Team) >= 3
        names = (await session.exec(select(User.display_name))).all()
    assert {"Hélène Durand", "François Lefèvre", "Zoë Moreau", "Marie Dupont"} <= set(names)


async def test_demo_has_team_leads_groups_routing_points_skills_and_queues(backline):
    async with backline.store.read() as session:
        assert await count(session, TeamSupervisor) >= 3
        kinds = (await session.exec(select(Target.kind, func.count()).group_by(Target.kind))).all()
        francais = (await session.exec(select(Target).where(Target.name == "Français"))).one()
        members = await count(session, TargetMember, TargetMember.target_id == francais.id)
    kinds = dict(kinds)
    assert francais.kind is TargetKind.AGENT_GROUP and members > 0
    for kind in TargetKind:
        assert kinds.get(kind, 0) >= 1, kind
    assert kinds[TargetKind.AGENT_GROUP] >= 3  # language, product, clearance


async def test_demo_logins_agent_lead_admin(api, client_for):
    roles = {name: (await client_for(name)).me["role"] for name in ("agent", "lead", "admin")}
    assert roles == {"agent": "AGENT", "lead": "SUPERVISOR", "admin": "ADMINISTRATOR"}


async def test_loading_the_demo_twice_duplicates_nothing(backline):
    async with backline.store.read() as session:
        before = (await count(session, User), await count(session, Target), await count(session, TargetMember))
    assert await load_demo(backline.store) is False
    async with backline.store.read() as session:
        after = (await count(session, User), await count(session, Target), await count(session, TargetMember))
    assert before == after
