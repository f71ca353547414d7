"""A crossing joined with the reference data in force: the input of features and routing.

`resolve` is the only step that reads reference data (through one `Snapshot`); everything
after it (features, routing) is pure. Travellers are the cards read plus the documents scanned;
a document is merged into the traveller of the card member it belongs to (`holder_score`: the
surname and the given names or the birth date agree), every other document is an occupant of its
own, without a card.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from edge.decision.facts import CrossingFacts, DocumentFacts
from edge.decision.matching import holder_score
from edge.decision.refdata import Entity, LookoutHit, Manifest, Member, Snapshot


@dataclass(frozen=True, slots=True)
class TravellerView:
    """One occupant as identified: by card, by document, or both."""

    card_id: str | None
    member: Member | None
    document: DocumentFacts | None
    document_hits: tuple[LookoutHit, ...] = ()
    name_hits: tuple[LookoutHit, ...] = ()


@dataclass(frozen=True, slots=True)
class CrossingView:
    """Facts + what the reference data says about them, and the data versions used."""

    facts: CrossingFacts
    day: str
    travellers: tuple[TravellerView, ...]
    plate_hits: tuple[LookoutHit, ...]
    manifest: Manifest | None
    carrier: Entity | None
    importer: Entity | None
    versions: tuple[tuple[str, str], ...]


def day_of(ts: float) -> str:
    """The UTC calendar day of a wall-clock timestamp, ISO format."""
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def _holders(docs: tuple[DocumentFacts, ...], members: list[Member | None]) -> dict[int, int]:
    """Document index -> member index, surest pairs first, each member and document once."""
    pairs = []
    for i, d in enumerate(docs):
        for j, m in enumerate(members):
            if m is None:
                continue
            score = holder_score(d.surname, d.given_names, d.birth_date,
                                 m.surname, m.given_names, m.birth_date)
            if score:
                pairs.append((-score, i, j))
    out: dict[int, int] = {}
    taken: set[int] = set()
    for _, i, j in sorted(pairs):
        if i not in out and j not in taken:
            out[i] = j
            taken.add(j)
    return out


def resolve(snap: Snapshot, facts: CrossingFacts) -> CrossingView:
    """Look every fact up in one snapshot (cards, lookouts, registry, manifest)."""
    day = day_of(facts.ts)
    members = [snap.member(c) for c in facts.card_ids]
    holders = _holders(facts.documents, members)
    docs_by_holder = {j: facts.documents[i] for i, j in holders.items()}
    loose = [d for i, d in enumerate(facts.documents) if i not in holders]

    def with_hits(
        card: str | None, member: Member | None, doc: DocumentFacts | None
    ) -> TravellerView:
        if doc is None:
            return TravellerView(card, member, None)
        return TravellerView(
            card,
            member,
            doc,
            tuple(snap.lookout_document(doc.document_number, day)),
            tuple(snap.lookout_name(doc.surname, doc.given_names, doc.birth_date, day)),
        )

    travellers = [
        with_hits(c, m, docs_by_holder.get(i))
        for i, (c, m) in enumerate(zip(facts.card_ids, members, strict=True))
    ]
    travellers += [with_hits(None, None, d) for d in loose]
    plate_hits = snap.lookout_plate(facts.plate.text, day) if facts.plate else []
    manifest = snap.manifest(facts.shipment_ref) if facts.shipment_ref else None
    return CrossingView(
        facts=facts,
        day=day,
        travellers=tuple(travellers),
        plate_hits=tuple(plate_hits),
        manifest=manifest,
        carrier=snap.entity(manifest.carrier_id) if manifest else None,
        importer=snap.entity(manifest.importer_id) if manifest else None,
        versions=tuple(sorted(snap.versions.items())),
    )
