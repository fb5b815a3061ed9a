"""``python -m benchmarks.ecbplus``: see :mod:`benchmarks.ecbplus.bench`."""

from benchmarks.ecbplus.bench import main

main()
