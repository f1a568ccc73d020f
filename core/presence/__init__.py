"""Presence per agent and channel (PRS1): logged in or off, ready or not ready with a reason;
busy is derived from load against the channel's capacity, never set."""
