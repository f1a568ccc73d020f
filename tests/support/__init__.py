"""Shared test helpers: GraphQL clients, servers on loopback ports, database templates."""
