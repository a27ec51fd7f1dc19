"""The message centre: every event that asks something of a person becomes a message in their
language (in-app), and an outbox delivers it by e-mail and, optionally, to a webhook."""
