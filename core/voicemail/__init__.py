"""Voicemail (VM1-VM3): mailboxes per agent and per agent group, deposits, the
message-waiting indicator and counts, and PIN-authenticated access sessions."""
