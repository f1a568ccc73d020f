"""Voice over SIP: 50 concurrent customer calls set up, consulted, transferred and torn down
through the SIP switch by scripted user agents over loopback, against the same flow on the
simulated switch, in the same run (one process, SQLite, the system clock).

Each switch runs twice. In a burst, the 50 INVITEs are sent at once: each call's set-up
includes waiting for the calls ahead of it (their creation is the server's work, one after the
other), which gives the saturated rate and calls per second. Paced, the 50 calls arrive on a
fixed schedule at half the rate at which the burst's calls were set up and answered, and stay
up until all 50 are connected at once, then go on to the consultation: the set-up goal is read there, as the house reads its
latency goals below saturation (bench_interactions). A call's set-up is timed from its
scheduled arrival, so a late schedule is not hidden.

One call: the customer's phone INVITEs the trunk number of agent A; A's softphone rings
(set-up time: from the INVITE sent to A's phone receiving its INVITE; goal p99 <= 100 ms)
and answers; A consults B (B's phone rings and answers), completes the consultation as a
transfer (the customer's phone is re-INVITEd to B's), and the customer hangs up. On the
simulated switch the trunk's and phones' acts are the same engine calls (create, accept,
consult, accept, complete, customer hang-up) and set-up is create → ringing. Prints p50/p99
set-up, calls per second and CPU seconds per call (the phones' work included: they run in
the same process) and the ratios SIP / simulated."""

from __future__ import annotations

import asyncio
import gc
import time
from pathlib import Path

from sqlmodel import select

from bench.support import demo_database, percentile, sqlite_url, temporary_folder
from core.config import PluginEntry, Settings, load_config
from core.directory.models import Target, TargetKind
from core.directory.text import search_key
from core.identity.models import Role, User
from core.identity.service import load_actor
from core.interactions.consultations import Completion
from core.runtime import Backline
from tests.support.servers import free_port
from tests.support.sip_phone import Phone

CALLS = 50
REPO = Path(__file__).resolve().parents[1]
PASSWORD = "bench-phone-1"


async def add_agents(backline: Backline, count: int) -> None:
    async with backline.store.write() as uow:
        session = uow.session
        template = (await session.exec(select(User).where(User.username == "agent"))).one()
        for side in "ab":
            for i in range(count):
                user = User(username=f"bench.{side}{i:02d}", display_name=f"Bench {side.upper()}{i:02d}",
                            role=Role.AGENT, team_id=template.team_id, password_hash=template.password_hash)
                session.add(user)
                await session.flush()
                session.add(Target(kind=TargetKind.AGENT, name=user.display_name,
                                   search_key=search_key(user.display_name), user_id=user.id))


async def agents(backline: Backline, count: int):
    async with backline.store.read() as session:
        actors = {}
        for side in "ab":
            for i in range(count):
                user = (await session.exec(select(User).where(User.username == f"bench.{side}{i:02d}"))).one()
                target = (await session.exec(select(Target).where(Target.user_id == user.id))).one()
                actors[(side, i)] = (await load_actor(session, user), target.id)
        admin = await load_actor(session, (await session.exec(select(User).where(User.username == "admin"))).one())
    return actors, admin


class RingsSent:
    """When the switch sent each agent's phone its INVITE (by Call-ID). The phones share the
    server's event loop here, so a phone sees a datagram only when the loop next polls its
    sockets: its own receipt time includes the rest of that loop turn (the other calls'
    work), which a phone of its own, in another process, does not wait for. The benchmark
    reports both; this wraps the switch transport's public `send`."""

    def __init__(self, transport) -> None:
        self.at: dict[str, float] = {}
        original = transport.send

        def send(message, peer):
            if message.method == "INVITE" and message.cseq[0] == 1 and message.call_id not in self.at:
                self.at[message.call_id] = time.perf_counter()
            original(message, peer)

        transport.send = send


class Accepted:
    """The interactions whose offer was accepted, from the committed events (the flow waits
    on them rather than polling the store: 50 pollers would be most of what is measured)."""

    def __init__(self, backline: Backline) -> None:
        self._subscription = backline.bus.subscribe({"interaction"})
        self._seen: dict[int, asyncio.Event] = {}
        self._task = asyncio.ensure_future(self._follow())

    async def _follow(self) -> None:
        async for event in self._subscription:
            if event.kind == "OfferAccepted":
                self._event(event.payload["interactionId"]).set()

    def _event(self, interaction_id: int) -> asyncio.Event:
        return self._seen.setdefault(interaction_id, asyncio.Event())

    async def wait(self, interaction_id: int, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._event(interaction_id).wait(), timeout)

    def stop(self) -> None:
        self._subscription.close()
        self._task.cancel()


async def arrival(at: float | None) -> float:
    """Waits for a call's scheduled arrival (None: now); the time it is timed from."""
    if at is None:
        return time.perf_counter()
    await asyncio.sleep(max(0.0, at - time.perf_counter()))
    return at


async def sip_call(backline, customer: Phone, phones, actors, i: int, setups: dict, accepted: Accepted,
                   rings: RingsSent, at: float | None, all_up: asyncio.Barrier) -> None:
    (a, _), (_, b_target) = actors[("a", i)], actors[("b", i)]
    a_phone, b_phone = phones[("a", i)], phones[("b", i)]
    relayed = backline.channels.get("voice").switch.relay is not None
    started = await arrival(at)
    call = customer.start_call(f"9{i:03d}")
    a_leg = await asyncio.wait_for(a_phone.incoming.get(), 10)
    setups["sent"].append((rings.at[a_leg.call_id] - started) * 1000)
    setups["received"].append((a_leg.at - started) * 1000)
    dialog, status = await asyncio.wait_for(call, 10)
    assert status == 200, status
    setups["connected"].append(time.perf_counter())
    await asyncio.wait_for(all_up.wait(), 60)  # every call connected at once
    view = await backline.interactions.reading.current(a)
    consult = await backline.interactions.consultations.start(a, view.interaction.id, b_target)
    await asyncio.wait_for(b_phone.incoming.get(), 10)
    await accepted.wait(consult.interaction.id)
    await backline.interactions.consultations.complete(a, consult.interaction.id, Completion.TRANSFER)
    # Re-INVITEd to B's phone (held in between: its 3rd offer); with the relay its SDP keeps the relay's port.
    await asyncio.wait_for(dialog.until(lambda d: f"m=audio {b_phone.rtp_port}" in d.offers[-1] or (
        relayed and len(d.offers) >= 3 and "a=sendrecv" in d.offers[-1])), 10)
    await customer.hang_up(dialog)


async def simulated_call(backline, admin, actors, i: int, setups: dict, at: float,
                         all_up: asyncio.Barrier) -> None:
    """`at`: the call's arrival (in a burst, when the burst was issued, as the SIP calls'
    INVITEs all are at once), so that its set-up includes waiting for the calls ahead of it."""
    (a, _), (b, b_target) = actors[("a", i)], actors[("b", i)]
    engine = backline.interactions
    started = await arrival(at)
    call = await engine.inbound.create(admin, "voice", "+33612345678", f"agent:bench.a{i:02d}")
    setups["sent"].append((time.perf_counter() - started) * 1000)
    offer = next(o for o in call.offers if o.state.value == "ringing")
    await engine.routing.accept(a, offer.id)
    setups["connected"].append(time.perf_counter())
    await asyncio.wait_for(all_up.wait(), 60)
    consult = await engine.consultations.start(a, call.interaction.id, b_target)
    offer = next(o for o in consult.offers if o.state.value == "ringing")
    await engine.routing.accept(b, offer.id)
    await engine.consultations.complete(a, consult.interaction.id, Completion.TRANSFER)
    await engine.inbound.hang_up(admin, call.interaction.id)


async def run(url: str, switch: str, media: str = "direct", pace: float | None = None) -> dict:
    """One run of the flow; `pace`: calls arriving per second on a schedule, else a burst."""
    settings = Settings(database_url=url, plugins_file=REPO / "plugins.toml")
    config = load_config(settings.plugins_file)
    voice = {**config.plugins["voice"].options, "switch": switch}
    if switch == "sip":
        voice.update(sip_port=free_port(), sip_tcp=False, trunk_sources=["127.0.0.2"], media=media,
                     numbers={f"9{i:03d}": f"agent:bench.a{i:02d}" for i in range(CALLS)})
    config.plugins["voice"] = PluginEntry("voice", True, voice)
    backline = Backline(settings, config)
    await backline.start()
    phones: dict = {}
    try:
        actors, admin = await agents(backline, CALLS)
        channel = backline.channels.get("voice")
        for key, (actor, _) in actors.items():
            if switch == "sip":
                await channel.set_credentials(admin, actor.user_id, PASSWORD)
                phone = await Phone(actor.username, 42000 + 2 * len(phones)).start(("127.0.0.1", channel.switch.port))
                assert await phone.register(actor.username, PASSWORD) == 200
                phones[key] = phone
            await backline.presence.log_in(actor, "voice", ready=True)
        customer = None
        if switch == "sip":
            customer = await Phone("customer", 41000, host="127.0.0.2").start(("127.0.0.1", channel.switch.port))
        setups: dict[str, list[float]] = {"sent": [], "received": [], "connected": []}
        accepted = Accepted(backline)
        rings = RingsSent(channel.switch.transport) if switch == "sip" else None
        # As `backline serve` does once started: what lives as long as the server (and here the
        # phones, which share its process) frozen, so that a full collection does not walk it.
        gc.collect()
        gc.freeze()
        cpu, wall = time.process_time(), time.perf_counter()
        all_up = asyncio.Barrier(CALLS)
        first = wall + 0.05
        origin = first if pace else wall  # when the first call arrives
        arrivals = [first + i / pace if pace else None for i in range(CALLS)]
        if switch == "sip":
            await asyncio.gather(*(sip_call(backline, customer, phones, actors, i, setups, accepted, rings,
                                            arrivals[i], all_up) for i in range(CALLS)))
        else:
            await asyncio.gather(*(simulated_call(backline, admin, actors, i, setups, arrivals[i] or wall, all_up)
                                   for i in range(CALLS)))
        await backline.interactions.settle()
        accepted.stop()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if customer is not None:
            customer.stop()
        received = setups["received"] or setups["sent"]
        return {"p50": percentile(setups["sent"], 50), "p99": percentile(setups["sent"], 99),
                "p50 seen": percentile(received, 50), "p99 seen": percentile(received, 99),
                "connected in": max(setups["connected"]) - origin, "calls/s": CALLS / wall, "cpu/call": cpu / CALLS}
    finally:
        gc.unfreeze()
        for phone in phones.values():
            phone.stop()
        await backline.stop()


def main() -> None:
    with temporary_folder() as name:
        folder = Path(name)
        path = demo_database(folder)
        asyncio.run(_prepare(sqlite_url(path)))
        bursts, paced, paces = {}, {}, {}
        # "sip relay": media = "relay" (a port pair opened per leg; the phones send no RTP here).
        for name, switch, media in (("simulated", "simulated", "direct"), ("sip", "sip", "direct"),
                                    ("sip relay", "sip", "relay")):
            for mode in ("burst", "paced"):
                copy = folder / f"{switch}-{media}-{mode}.db"
                copy.write_bytes(path.read_bytes())
                if mode == "burst":
                    bursts[name] = asyncio.run(run(sqlite_url(copy), switch, media))
                    # Half of the rate at which the burst's calls were set up and answered.
                    paces[name] = 0.5 * CALLS / bursts[name]["connected in"]
                else:
                    paced[name] = asyncio.run(run(sqlite_url(copy), switch, media, paces[name]))
    print(f"{CALLS} concurrent calls: set up, consulted, transferred, torn down (SQLite, one process)")
    print("set-up: from the call's arrival to its agent's phone being rung (simulated: the offer committed;"
          " sip: the INVITE sent to the phone; 'seen': the in-process phone reading it)")
    print(f"burst (all {CALLS} arriving at once):")
    print(f"{'switch':<10} {'set-up p50 ms':>14} {'p99 ms':>8} {'seen p50':>9} {'seen p99':>9} {'calls/s':>9} "
          f"{'CPU s/call':>11}")
    for switch, r in bursts.items():
        print(f"{switch:<10} {r['p50']:>14.1f} {r['p99']:>8.1f} {r['p50 seen']:>9.1f} {r['p99 seen']:>9.1f} "
              f"{r['calls/s']:>9.1f} {r['cpu/call']:>11.4f}")
    sip, sim = bursts["sip"], bursts["simulated"]
    print(f"ratios sip/simulated: set-up p99 {sip['p99'] / sim['p99']:.2f}, calls/s {sip['calls/s'] / sim['calls/s']:.2f}, "
          f"CPU/call {sip['cpu/call'] / sim['cpu/call']:.2f}")
    print(f"paced (arriving on a schedule at half the rate the burst's calls were set up and answered, all "
          f"{CALLS} up at once before the consultations):")
    print(f"{'switch':<10} {'calls/s in':>11} {'set-up p50 ms':>14} {'p99 ms':>8} {'seen p50':>9} {'seen p99':>9}")
    for switch, r in paced.items():
        print(f"{switch:<10} {paces[switch]:>11.1f} {r['p50']:>14.1f} {r['p99']:>8.1f} {r['p50 seen']:>9.1f} "
              f"{r['p99 seen']:>9.1f}")
    for switch in ("sip", "sip relay"):
        print(f"goal set-up p99 <= 100 ms ({switch}, paced): {'met' if paced[switch]['p99'] <= 100 else 'NOT met'}")


async def _prepare(url: str) -> None:
    backline = Backline(Settings(database_url=url, plugins_file=REPO / "plugins.toml"))
    try:
        await add_agents(backline, CALLS)
    finally:
        await backline.store.close()
