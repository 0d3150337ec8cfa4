"""`python -m bench --quick` runs its cheap parts and prints one table with every row (the
figures themselves are the bench's to report, never asserted)."""

import re

import numpy as np
import pytest

from bench.__main__ import Row, engine_shapes, main, numbers, table
from bench.engines import NaiveLoop, TightStep


def test_the_quick_bench_prints_one_table_with_the_engine_and_frame_rows(capsys):
    main(["--only", "engine,frames", "--quick", "--seconds", "0.02"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["part", "measurement", "value"]
    engine = [line for line in lines if line.startswith("engine ")]
    shapes = ["2-8-8-1 spiral, batch 10", "2-8-8-1 spiral, full batch 250", "2-8x6-1 spiral, batch 32",
              "digits 64-32-10, batch 64", "784-100-40-10, batch 32"]
    assert [next(s for s in shapes if s in line) for line in engine] == shapes
    for line in engine:  # readable / fast / tight NumPy / naive loop / PyTorch (or "not installed")
        assert re.search(r"[\d,]+ / [\d,]+ / [\d,]+ / [\d,]+ / ([\d,]+|not installed)$", line)
    frames = [line for line in lines if line.startswith("frames ")]
    assert len(frames) == 6
    assert re.search(r"at 30 fps while training, .* [\d,]+ / [\d,]+ µs CPU$", frames[0])
    assert re.search(r"numbers alone \(no maps, the metrics reused\).* [\d,]+ µs CPU$", frames[1])
    assert re.search(r"with both maps +[\d,]+ / [\d,]+ / [\d,]+$", frames[4])
    assert not any(line.startswith(("live", "capacity", "rooms")) for line in lines)
    assert "load average" in out


def test_table_aligns_the_columns_and_options_parse():
    text = table([Row("a", "one", "1"), Row("part b", "two", "2")])
    assert text.splitlines()[2:] == ["a       one          1", "part b  two          2"]
    assert numbers("20,50, 100") == [20, 50, 100]


@pytest.mark.parametrize("shape", range(5))
def test_the_tight_numpy_step_makes_the_naive_loops_updates(shape):
    """The reference the fast path is measured against computes the same training: after a few
    mini-batches its parameters are the naive per-example loop's, to rounding."""
    _, make = engine_shapes()[shape]
    tight, naive = TightStep(make()), NaiveLoop(make())
    for _ in range(3):
        tight.step()
        naive.step()
    flat = np.concatenate([p.ravel() for w, b in zip(naive.weights, naive.biases) for p in (w, b)])
    assert np.allclose(tight.params, flat, rtol=0, atol=1e-12)
    assert not np.allclose(tight.params, make().network.params, rtol=0, atol=1e-6)  # it trained
