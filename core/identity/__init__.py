"""Who is calling: users, roles, teams, passwords and bearer tokens."""
