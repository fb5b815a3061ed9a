"""``python -m benchmarks.ner``: see :mod:`benchmarks.ner.bench`."""

from benchmarks.ner.bench import main

main()
