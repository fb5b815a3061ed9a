"""``python -m benchmarks.speed``: see :mod:`benchmarks.speed.bench`."""

from benchmarks.speed.bench import main

main()
