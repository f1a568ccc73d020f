"""The interaction engine: customer calls, consultations, transfers and conferences on any
channel, driven by the channel's declared capabilities (CH1)."""
