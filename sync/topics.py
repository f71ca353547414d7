"""The versioned MQTT topic scheme shared by lanes and headquarters.

Everything lives under `lane-edge/v1/{port}/{lane}/`; a breaking change to payloads bumps `v1`
so old and new lanes can share one broker during a roll-out. Port-wide downlinks use the lane
name `all`. Lane and port ids are plain names: MQTT wildcards and separators are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edge.errors import SyncError

ROOT = "lane-edge/v1"
ALL_LANES = "all"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class BadTopic(SyncError):
    code = "sync.topic"


def check_name(value: str, what: str) -> str:
    """A port, lane or data-set name usable as one topic level."""
    if not _NAME.match(value) or (value == ALL_LANES and what == "lane"):
        raise BadTopic(f"{what} name {value!r} cannot be a topic level", what=what)
    return value


@dataclass(frozen=True, slots=True)
class LaneTopics:
    """Every topic one lane publishes or subscribes to."""

    port: str
    lane: str

    def __post_init__(self) -> None:
        check_name(self.port, "port")
        check_name(self.lane, "lane")

    @property
    def prefix(self) -> str:
        return f"{ROOT}/{self.port}/{self.lane}"

    @property
    def port_prefix(self) -> str:
        return f"{ROOT}/{self.port}/{ALL_LANES}"

    # lane -> headquarters
    def up(self, kind: str) -> str:
        """Uplink topic of an outbox row; its `topic` column is a suffix such as `health/device`."""
        kind = kind.strip("/")
        if not kind or "+" in kind or "#" in kind:
            raise BadTopic(f"uplink kind {kind!r} is not a topic suffix")
        return f"{self.prefix}/up/{kind}"

    @property
    def state(self) -> str:
        """Retained birth (`online`) / last will (`offline`)."""
        return f"{self.prefix}/state"

    @property
    def health(self) -> str:
        return f"{self.prefix}/health"

    # headquarters -> lane
    @property
    def ack(self) -> str:
        """Headquarters' receipt: `{"hw": N}`, every seq <= N is stored at headquarters."""
        return f"{self.prefix}/ack"

    @property
    def replay(self) -> str:
        """Headquarters asks again for `{"from": a, "to": b}` (inclusive)."""
        return f"{self.prefix}/replay"

    def down(self, dataset: str) -> str:
        return f"{self.prefix}/down/{check_name(dataset, 'dataset')}"

    def port_down(self, dataset: str) -> str:
        return f"{self.port_prefix}/down/{check_name(dataset, 'dataset')}"

    def subscriptions(self) -> tuple[str, ...]:
        return (self.ack, self.replay, f"{self.prefix}/down/+", f"{self.port_prefix}/down/+")

    def downlink_of(self, topic: str) -> tuple[str, str] | None:
        """(scope, dataset) of a downlink topic addressed to this lane, else None.

        The scope is `{port}/{lane}` or `{port}/all`; it is signed into the envelope so an
        update meant for one lane cannot be re-published to another.
        """
        for prefix in (self.prefix, self.port_prefix):
            head = prefix + "/down/"
            if topic.startswith(head):
                dataset = topic[len(head):]
                if _NAME.match(dataset):
                    return prefix[len(ROOT) + 1:], dataset
        return None


def parse_lane_topic(topic: str) -> tuple[str, str, str] | None:
    """(port, lane, rest) of any `lane-edge/v1/...` topic (headquarters' side), else None."""
    parts = topic.split("/", 4)
    if len(parts) < 5 or f"{parts[0]}/{parts[1]}" != ROOT:
        return None
    return parts[2], parts[3], parts[4]
