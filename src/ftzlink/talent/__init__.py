"""Foreign talent: work permits, residence permits and the time limits that govern them."""
