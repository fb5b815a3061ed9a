"""``python -m benchmarks.extraction``: see :mod:`benchmarks.extraction.bench`."""

from benchmarks.extraction.bench import main

main()
