"""Running the platform in production: readiness, metrics, structured logs, backups."""
