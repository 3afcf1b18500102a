"""``python -m audiobrief``."""

from .cli import main

main()
