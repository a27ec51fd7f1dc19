"""An RFC 9162 Merkle log in the platform's database: append, proofs, signed checkpoints,
offline receipts and a witness. See docs/ledger.md."""
