"""bench.rooms' pure helpers on made-up numbers (the benchmark itself is run by hand)."""

import math

from app.protocol import HEADER, HEADER_FIELDS
from bench import rooms


def test_percentile_interpolates_and_handles_the_ends():
    assert rooms.percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert rooms.percentile([0.0, 10.0], 5) == 0.5
    assert rooms.percentile([4.0, 7.0], 0) == 4.0 and rooms.percentile([4.0, 7.0], 100) == 7.0
    assert math.isnan(rooms.percentile([], 50))


def test_rates_count_arrivals_inside_the_window():
    arrivals = [[0.5, 1.0, 1.5, 2.0, 2.9, 3.0], []]
    assert rooms.rates(arrivals, 1.0, 3.0) == [2.0, 0.0]
    assert rooms.intervals([1.0, 1.5, 2.25]) == [0.5, 0.75]


def test_control_latency_is_the_first_later_frame_showing_the_value():
    sent = [(1.0, 3), (2.0, 4), (3.0, 5)]
    frames = [(0.9, 3), (1.02, 0), (1.04, 3), (2.05, 4), (2.5, 4)]
    latencies = rooms.control_latencies(sent, frames)
    assert [round(x, 3) for x in latencies] == [0.04, 0.05]  # 5 was never shown: left out


def test_header_field_reads_the_frame_header():
    values = [0] * len(HEADER_FIELDS)
    values[[f.name for f in HEADER_FIELDS].index("sample")] = 17
    frame = HEADER.pack(*values) + b"rest"
    assert rooms.header_field(frame, "sample") == 17


def test_cpu_from_proc_stat_and_frames_from_metrics():
    stat = "4242 (python -m (app)) S " + " ".join(str(i) for i in range(4, 14)) + " 150 50 0 0"
    assert rooms.cpu_ticks(stat) == 200
    assert rooms.cpu_percent(100, 300, 4.0, 100) == 50.0
    metrics = "# HELP bpp_frames_sent...\nbpp_frames_sent_total 1234.0\nbpp_frames_sent_created 1.7e9\n"
    assert rooms.frames_sent(metrics) == 1234.0
    assert math.isnan(rooms.frames_sent(""))
