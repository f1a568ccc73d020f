"""The GraphQL API: strawberry types, one module per area, and the ASGI app."""
