"""The `backline` command: migrate, load the demo, serve, export the schema."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import sys

from core.config import Settings
from core.errors import ConfigurationError


def _backline(settings: Settings):
    from core.runtime import Backline

    return Backline(settings)


def cmd_migrate(settings: Settings, _args) -> None:
    from core.store.migrate import upgrade

    upgrade(settings.database_url)
    print(f"Database at head: {settings.database_url}")


def cmd_demo_load(settings: Settings, _args) -> None:
    from core.demo import load_demo

    async def run() -> bool:
        backline = _backline(settings)
        try:
            return await load_demo(backline.store)
        finally:
            await backline.store.close()

    loaded = asyncio.run(run())
    print("Demo contact centre loaded." if loaded else "Store not empty: demo not loaded (nothing duplicated).")


def cmd_serve(settings: Settings, args) -> None:
    import uvicorn

    from schema.app import create_app, server_options

    from core.store.one_server import claim

    host = args.host or settings.host
    port = args.port or settings.port
    held = claim(settings.database_url)  # noqa: F841 (held until the process ends)
    backline = _backline(settings)
    app = create_app(backline)
    # Everything built so far (modules, schema, mappers: some 150,000 objects) lives as long
    # as the process. Frozen, a full garbage collection no longer walks it: ~1 ms instead of
    # ~60 ms, a stall every request waiting at that moment would see (directory benchmark p99).
    gc.freeze()
    print(f"Backline GraphQL on http://{host}:{port}/graphql", flush=True)
    uvicorn.run(app, host=host, port=port, log_level=args.log_level, **server_options(backline))


def cmd_export_schema(settings: Settings, _args) -> None:
    from schema.root import build_schema

    sys.stdout.write(build_schema(settings).as_str() + "\n")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="backline", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    demo = sub.add_parser("demo", help="demo contact centre").add_subparsers(dest="demo_command", required=True)
    demo.add_parser("load", help="load the demo into an empty store").set_defaults(func=cmd_demo_load)
    serve = sub.add_parser("serve", help="serve GraphQL")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(func=cmd_serve)
    sub.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(func=cmd_export_schema)
    from schema.interactions_simulate import add_arguments as add_simulate

    add_simulate(sub.add_parser("simulate", help="simulate customer contacts into a running server"))
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args.func(Settings.from_env(), args)
    except ConfigurationError as exc:
        print(f"backline: configuration error: {exc.message}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
