"""`python -m chokepoint` runs the CLI."""
from chokepoint.cli import run

run()
