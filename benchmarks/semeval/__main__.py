"""``python -m benchmarks.semeval``: see :mod:`benchmarks.semeval.bench`."""

from benchmarks.semeval.bench import main

main()
