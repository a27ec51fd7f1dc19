"""Policies find enterprises: the catalogue's conditions over a whole registry at once,
vectorised (Polars) or inside the database (SQL), with the scalar engine's exact results."""
