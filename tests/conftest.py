"""Shared fixtures: paths to the real data and the seed pair, models loaded once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# passive OpenMP waits: otherwise LightGBM's and e5's thread pools starve each other
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

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


DEMO_DIR = ROOT / "storyline" / "data" / "demo"
API_TOKEN = "test-token-0123456789"


@pytest.fixture(scope="session")
def demo_db(story_db, tmp_path_factory):
    """A private copy of ``story_db`` (demo corpus + seed pair) that tests may write to."""
    import shutil

    path = tmp_path_factory.mktemp("demo-db") / "demo.db"
    shutil.copyfile(story_db, path)
    return path


@pytest.fixture(scope="session")
def live_server(demo_db):
    """The web app over the demo store, served by uvicorn on a free loopback port.

    Yields its base URL (``http://127.0.0.1:PORT``); the write token is ``API_TOKEN``.
    """
    import threading
    import time

    import uvicorn

    from storyline.api import create_app

    app = create_app(demo_db, token=API_TOKEN)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="none",
                            lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    app.state.service.store.close()


@pytest.fixture(scope="session")
def comparator():
    """The pair comparator (trained model + both embedding models), loaded once."""
    from storyline.compare import load_comparator

    return load_comparator()


@pytest.fixture(scope="session")
def story_db(tmp_path_factory):
    """A store file with the demo corpus and the seed pair, ingested once per session
    through ``storyline.store.ingest_paths`` (the path of ``storyline ingest``)."""
    from storyline.store import Store, ingest_paths

    path = tmp_path_factory.mktemp("story-db") / "stories.db"
    with Store(path) as store:
        report = ingest_paths(store, [DEMO_DIR, SEED_DIR])
    assert report.failed == 0, report.failures
    return path
