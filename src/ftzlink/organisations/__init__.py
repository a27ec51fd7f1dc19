"""Organisations (enterprises and their HQ/branch links) and delegations for authorized handling."""
