"""``python -m benchmarks.load``: see :mod:`benchmarks.load.bench`."""

from benchmarks.load.bench import main

main()
