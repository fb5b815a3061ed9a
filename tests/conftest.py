"""Shared fixtures: paths to the real data and the seed pair, models loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATASETS = SHARED / "datasets"
SEED_DIR = SHARED / "examples" / "seed-pair"
ASHARQ = SEED_DIR / "000_4a90b3af5b3a309d.txt"
SOUTHFRONT = SEED_DIR / "001_bdae582da8db5172.txt"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not SHARED.exists():
        skip = pytest.mark.skip(reason="../shared is not beside the checkout")
        for item in items:
            if "shared" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def seed_articles():
    """The two example pages, read through the whole pipeline once per session."""
    from storyline.pipeline import read_articles

    out = list(read_articles([SEED_DIR]))
    assert all(not hasattr(a, "reason") for a in out), out
    by_name = {Path(a.source.path).name: a for a in out}
    return by_name[ASHARQ.name], by_name[SOUTHFRONT.name]
