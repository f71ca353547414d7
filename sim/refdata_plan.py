"""Headquarters' reference data for a run: the first snapshots, and the scenario's updates.

Pure: from the population, the schedule and the scenario's `[[refdata_updates]]`, the records
of the four snapshots (version 1 each) and a plan of every update: its data set, version, the
`from_version` it applies on, its records, and the vehicle it is aimed at. An update that
changes the data (`lookout_add`, `member_revoke`) is aimed at the first suitable vehicle (for a
lookout, preferably one with cards) whose first read comes at least `lead_s` after the update
(time for headquarters to publish and the lane to apply), and the ground truth of every vehicle
carrying the changed card or document from the update's time on follows the new data. A hostile
update (`unknown_key`, `bad_signature`, `malformed`) must be refused, so it changes nothing; the
lookout it carries is aimed at a later vehicle too, which must then *not* be referred for it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from edge.sim.population import (
    Lookout,
    Member,
    Population,
    lookout_record,
    member_record,
    trader_record,
)
from edge.sim.scenario import RefdataUpdate
from edge.sim.traffic import Schedule, Vehicle, vehicle_findings

DATASETS = ("roster", "registry", "lookouts", "manifests")
SNAPSHOT_VERSION = 1
CHANGES_DATA = ("lookout_add", "member_revoke")
# what the lane's sync layer must answer to each hostile update
REFUSAL_OF = {"unknown_key": "unknown_key", "bad_signature": "bad_signature",
              "malformed": "malformed"}


@dataclass(frozen=True, slots=True)
class PlannedUpdate:
    """One update as headquarters sends it to every lane, and what it should do there."""

    index: int
    at_s: float
    action: str
    dataset: str
    version: int
    from_version: int
    records: tuple[dict[str, Any], ...]
    target: str | None  # vehicle id, or None when no vehicle fits (nothing to check)
    reason: str | None  # truth reason the target gets (applied) or must not get (refused)

    @property
    def applies(self) -> bool:
        return self.action in CHANGES_DATA

    @property
    def refusal(self) -> str | None:
        return REFUSAL_OF.get(self.action)

    def to_json(self) -> dict[str, Any]:
        """What the report shows (no record contents: they hold the synthetic people)."""
        return {"index": self.index, "at_s": self.at_s, "action": self.action,
                "dataset": self.dataset, "version": self.version,
                "from_version": self.from_version, "records": len(self.records),
                "target": self.target, "reason": self.reason,
                "expect": ("refused: " + str(self.refusal)) if self.refusal else "applied"}


def snapshot_records(pop: Population, schedule: Schedule, now: float
                     ) -> dict[str, list[dict[str, Any]]]:
    """The four snapshots; the schedule's shipments get a manifest window around `now`."""
    manifests = [{k: v for k, v in m.items() if k not in ("window", "trusted")}
                 | {"window_start": now - 86400.0, "window_end": now + 2 * 86400.0}
                 for m in schedule.refdata_extra.get("manifests", [])]
    return {"roster": [member_record(m) for m in pop.members],
            "registry": [trader_record(t) for t in pop.traders],
            "lookouts": [lookout_record(lo) for lo in pop.lookouts],
            "manifests": manifests}


@dataclass
class _State:
    """The data as it evolves through the plan (lookouts added, members revoked)."""

    pop: Population
    added: list[tuple[float, Lookout]] = dataclasses.field(default_factory=list)
    revoked: list[tuple[float, Member]] = dataclasses.field(default_factory=list)

    def at(self, t: float) -> Population:
        """The population as the lane's reference data has it at simulated time t."""
        if not any(a <= t for a, _ in self.added + self.revoked):
            return self.pop
        swap = {m.card_id: m for a, m in self.revoked if a <= t}
        return dataclasses.replace(
            self.pop, lookouts=self.pop.lookouts + [lo for a, lo in self.added if a <= t],
            members=[swap.get(m.card_id, m) for m in self.pop.members])

    def flagged_documents(self) -> set[str]:
        return {lo.value for lo in self.pop.lookouts if lo.kind == "document"} | {
            lo.value for _, lo in self.added}

    def revoked_cards(self) -> set[str]:
        return {m.card_id for _, m in self.revoked}


def plan_updates(pop: Population, schedule: Schedule, updates: Sequence[RefdataUpdate], *,
                 camera: bool, lead_s: float) -> Schedule:
    """The schedule with its planned updates and the ground truth that follows them."""
    if not updates:
        return schedule
    kinds = {lane.index: lane.kind for lane in schedule.lanes}
    vehicles = sorted((v for lane in schedule.lanes for v in lane.vehicles),
                      key=lambda v: (v.read_s[0], v.vid))
    crossing_docs = {d.document_number for v in vehicles for d in v.documents}
    crossing_cards = {c for v in vehicles for c in v.cards}
    members = {m.card_id: m for m in pop.members}
    state = _State(pop)
    versions = dict.fromkeys(DATASETS, SNAPSHOT_VERSION)
    taken: set[str] = set()
    plans = []
    for i, u in enumerate(updates):
        later = [v for v in vehicles if v.read_s[0] >= u.at_s + lead_s and v.vid not in taken]
        dataset = "roster" if u.action == "member_revoke" else "lookouts"
        target: Vehicle | None = None
        records: tuple[dict[str, Any], ...] = ()
        reason: str | None = None
        if u.action == "member_revoke":
            target, card = _member_target(later, members, state.revoked_cards())
            if card is None:  # nobody suitable crosses later: revoke someone who stays home
                card = next((m.card_id for m in pop.members if m.status == "active"
                             and m.card_id not in crossing_cards
                             and m.card_id not in state.revoked_cards()), None)
            if card is not None:
                revoked = dataclasses.replace(members[card], status="revoked")
                state.revoked.append((u.at_s, revoked))
                records, reason = (member_record(revoked),), "card_revoked"
        elif u.action != "malformed":
            flagged = state.flagged_documents()
            target, number = _document_target(later, flagged)
            if number is None:
                number = next((t.document_number for t in pop.travellers
                               if t.document_number not in crossing_docs
                               and t.document_number not in flagged), None)
            if number is not None:
                lookout = Lookout(f"LU{i:05d}", "document", number, u.reason_code)
                if u.action == "lookout_add":
                    state.added.append((u.at_s, lookout))
                records, reason = (lookout_record(lookout),), "lookout_document"
        version = versions[dataset] + 1
        if u.action in CHANGES_DATA:
            versions[dataset] = version
        if target is not None:
            taken.add(target.vid)
        plans.append(PlannedUpdate(i, u.at_s, u.action, dataset, version, version - 1, records,
                                   None if target is None else target.vid,
                                   reason if target is not None else None))
    changed_docs = {lo.value for _, lo in state.added}
    changed_cards = state.revoked_cards()
    lanes = []
    for lane in schedule.lanes:
        out = []
        for v in lane.vehicles:
            touched = changed_cards & set(v.cards) or changed_docs & {
                d.document_number for d in v.documents}
            if touched:
                v = dataclasses.replace(v, truth_reasons=vehicle_findings(
                    state.at(v.read_s[0]), kinds[lane.index], v, camera))
            out.append(v)
        lanes.append(dataclasses.replace(lane, vehicles=tuple(out)))
    return dataclasses.replace(schedule, lanes=tuple(lanes), updates=tuple(plans))


def _member_target(later: list[Vehicle], members: dict[str, Member], revoked: set[str]
                   ) -> tuple[Vehicle | None, str | None]:
    for v in later:
        if "card_revoked" in v.truth_reasons:
            continue  # already referred for it: the update would prove nothing
        for card in v.cards:
            m = members.get(card)
            if m is not None and m.status == "active" and card not in revoked:
                return v, card
    return None, None


def _document_target(later: list[Vehicle], flagged: set[str]
                     ) -> tuple[Vehicle | None, str | None]:
    """Preferably a vehicle with cards too: it has a crossing of its own without a camera
    (a vehicle of documents only joins whichever crossing is at the booth)."""
    for v in sorted(later, key=lambda v: not v.cards):  # stable: carded first, then in order
        if "lookout_document" in v.truth_reasons:
            continue
        for d in v.documents:
            if d.document_number not in flagged:
                return v, d.document_number
    return None, None
