"""免申即享 — benefits without an application: match runs over the platform's organisations or a
registry, candidates an official confirms or strikes, notifications, pre-filled drafts the
enterprise consents to, and grants made directly for measures marked "granted without
application"."""
