"""Users, roles, API tokens, sessions, and the permission predicates checked per object."""
