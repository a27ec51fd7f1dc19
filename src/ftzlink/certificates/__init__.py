"""Certificates anyone can verify: signed, bilingual documents of what the platform decided (a
grant's approval notice, …), their hash on the verifiable log. See docs/certificates.md."""
