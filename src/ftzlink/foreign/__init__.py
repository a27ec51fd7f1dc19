"""Foreign investment services: representative offices of foreign enterprises, from establishment
to deregistration, and YRD recognition records for foreign investors' qualification documents."""
