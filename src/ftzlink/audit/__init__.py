"""The hash-chained audit log: every state change and decision, and a verifier for it."""
