"""The cross-border data service: routing a transfer scenario to its mechanism, filings and
registrations, reported transfers with ledger receipts, and reproducible spot checks."""
