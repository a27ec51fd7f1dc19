"""The signed-in person's workspace: what asks something of them, gathered from the domains."""
