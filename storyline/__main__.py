"""``python -m storyline``."""

from .cli import main

main()
