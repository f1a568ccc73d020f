"""The company directory (Team Communicator): every target an agent can reach."""
