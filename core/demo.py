"""Load the demo contact centre into an empty store (`backline demo load`, `make run`)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from core import demo_data as data
from core.directory.models import Target, TargetKind, TargetMember
from core.directory.text import search_key
from core.identity.models import Role, Team, TeamSupervisor, User
from core.identity.passwords import hash_password
from core.store.unit_of_work import Store


async def load_demo(store: Store) -> bool:
    """Loads the demo when the store has no users; returns whether it did. Running it twice
    duplicates nothing."""
    async with store.write() as uow:
        session = uow.session
        if (await session.exec(select(func.count()).select_from(User))).one():
            return False
        # One hash for every demo user: they share the demo password, and hashing 45 times
        # would only slow the first start.
        password_hash = await hash_password(data.DEMO_PASSWORD)
        teams = [Team(name=name) for name in data.TEAMS]
        session.add_all(teams)
        await session.flush()

        users: dict[str, User] = {}

        def person(username: str, name: str, role: Role, team_id: int | None) -> User:
            user = User(username=username, display_name=name, role=role, team_id=team_id,
                        password_hash=password_hash)
            users[username] = user
            return user

        session.add_all(person(u, n, Role.AGENT, teams[t].id) for u, n, t in data.AGENTS)
        session.add_all(person(u, n, Role.SUPERVISOR, teams[t[0]].id) for u, n, t in data.LEADS)
        session.add_all(person(u, n, Role.ADMINISTRATOR, None) for u, n in data.ADMINS)
        await session.flush()
        session.add_all(
            TeamSupervisor(team_id=teams[t].id, user_id=users[u].id) for u, _, led in data.LEADS for t in led
        )

        def target(kind: TargetKind, name: str, **extra) -> Target:
            return Target(kind=kind, name=name, search_key=search_key(name), **extra)

        session.add_all(target(TargetKind.AGENT, n, user_id=users[u].id) for u, n, _ in data.AGENTS)
        session.add_all(target(TargetKind.TEAM_LEAD, n, user_id=users[u].id) for u, n, _ in data.LEADS)

        pools: list[tuple[Target, tuple[str, ...]]] = []
        for name, shown, members in data.AGENT_GROUPS:
            pools.append((target(TargetKind.AGENT_GROUP, name, show_availability=shown), members))
        for name, members in data.SKILLS:
            pools.append((target(TargetKind.SKILL, name), members))
        for name, address, members in data.ROUTING_POINTS:
            pools.append((target(TargetKind.ROUTING_POINT, name, address=address), members))
        for name, address, members in data.INTERACTION_QUEUES:
            pools.append((target(TargetKind.INTERACTION_QUEUE, name, address=address), members))
        session.add_all(pool for pool, _ in pools)
        await session.flush()
        session.add_all(
            TargetMember(target_id=pool.id, user_id=users[u].id) for pool, members in pools for u in members
        )
    return True
