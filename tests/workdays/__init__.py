from pathlib import Path

# A hypothetical 2027 schedule for tests (the official one is not in the sources).
YEAR_2027 = Path(__file__).parent / "data" / "2027.yaml"
