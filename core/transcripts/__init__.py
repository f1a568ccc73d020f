"""What is written on an interaction (chat lines, instant messages, e-mails, internal notes),
who reads each line, and the close rule of channels that close when their agents are done."""
