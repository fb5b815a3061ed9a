"""``python -m benchmarks.dates``: see :mod:`benchmarks.dates.bench`."""

from benchmarks.dates.bench import main

main()
