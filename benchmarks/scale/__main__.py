"""``python -m benchmarks.scale``: see :mod:`benchmarks.scale.bench`."""

from benchmarks.scale.bench import main

main()
