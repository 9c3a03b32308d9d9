"""What a paused block built must not all be scanned again the moment the collector resumes."""

from __future__ import annotations

import gc

from storegate.state.gcpause import paused_collection


def test_what_the_block_built_is_old_when_collection_resumes() -> None:
    assert gc.isenabled()
    with paused_collection():
        assert not gc.isenabled()
        built = [[i] for i in range(20_000)]
    assert gc.isenabled()
    assert gc.get_count()[0] < 1_000, "the young count would trigger a scan of all 20,000"
    old = {id(o) for o in gc.get_objects(generation=2)}
    assert id(built) in old and id(built[-1]) in old
    assert gc.get_freeze_count() == 0


def test_objects_frozen_on_purpose_stay_frozen() -> None:
    sentinel = [["frozen on purpose"]]
    gc.freeze()
    try:
        with paused_collection():
            made = [[i] for i in range(100)]
        tracked = {id(o) for o in gc.get_objects()}  # every generation, not the frozen ones
        assert id(sentinel) not in tracked, "unfreezing would hand it back to the collector"
        assert id(made) in tracked
    finally:
        gc.unfreeze()


def test_a_disabled_collector_stays_disabled() -> None:
    gc.disable()
    try:
        with paused_collection():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
