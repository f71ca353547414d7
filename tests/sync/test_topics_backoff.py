"""Pure parts: the topic scheme and the reconnect backoff."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.sync.mqtt_client import backoff_delay
from edge.sync.topics import BadTopic, LaneTopics, parse_lane_topic


def test_lane_topics() -> None:
    t = LaneTopics("CA-0427", "L03")
    assert t.up("health/device") == "lane-edge/v1/CA-0427/L03/up/health/device"
    assert t.ack == "lane-edge/v1/CA-0427/L03/ack"
    assert t.port_down("roster") == "lane-edge/v1/CA-0427/all/down/roster"
    assert t.downlink_of("lane-edge/v1/CA-0427/L03/down/roster") == ("CA-0427/L03", "roster")
    assert t.downlink_of("lane-edge/v1/CA-0427/all/down/command") == ("CA-0427/all", "command")
    assert t.downlink_of("lane-edge/v1/CA-0427/L04/down/roster") is None
    assert parse_lane_topic("lane-edge/v1/CA-0427/L03/up/crossing") == ("CA-0427", "L03", "up/crossing")
    assert parse_lane_topic("other/v1/a/b/c") is None


@pytest.mark.parametrize("bad", ["", "a/b", "+", "#", "all", "L 3", "x" * 65])
def test_names_that_are_not_one_topic_level_are_refused(bad: str) -> None:
    with pytest.raises(BadTopic):
        LaneTopics("CA-0427", bad)


def test_wildcards_are_not_uplink_kinds() -> None:
    with pytest.raises(BadTopic):
        LaneTopics("P", "L").up("a/+")


@given(st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=2**32))
def test_backoff_is_capped_growing_and_jittered(attempt: int, seed: int) -> None:
    rng = random.Random(seed)
    d = backoff_delay(attempt, 0.5, 30.0, rng)
    step = min(30.0, 0.5 * 2**attempt)
    assert step / 2 <= d <= step <= 30.0


def test_backoff_jitter_spreads_lanes() -> None:
    rng = random.Random(1)
    assert len({round(backoff_delay(6, 0.5, 30.0, rng), 3) for _ in range(20)}) > 10
