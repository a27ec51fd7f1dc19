"""`python -m ftzlink` runs the command line."""

from ftzlink.cli import main

main()
