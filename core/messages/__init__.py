"""My Messages (MSG1-MSG3): system messages, administrator broadcasts and voicemail
notifications, each with a priority and a read state per recipient, delivered live."""
