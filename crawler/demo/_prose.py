"""Deterministic English news prose for the demo site: titles, leads, body paragraphs, captions.

Everything is drawn from a ``random.Random`` the caller seeds, from sentence templates filled
with per-section vocabulary. No sentence template produces text used by page furniture
("Advertisement", "Share", newsletter or cookie copy), so distractors never match the body.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import random

__all__ = [
    "MAX_WORDS",
    "MIN_WORDS",
    "caption",
    "lead",
    "paragraphs",
    "tags",
    "title",
]

MIN_WORDS = 25
MAX_WORDS = 80


class _Vocab:
    """Words and phrases of one section. A subject ending in "+" is plural."""

    def __init__(
        self,
        *,
        subjects: tuple[str, ...],
        verbs: tuple[tuple[str, str], ...],
        objects: tuple[str, ...],
        tails: tuple[str, ...],
        orgs: tuple[str, ...],
        places: tuple[str, ...],
        topics: tuple[str, ...],
        tags: tuple[str, ...],
    ) -> None:
        self.subjects = subjects
        self.verbs = verbs
        self.objects = objects
        self.tails = tails
        self.orgs = orgs
        self.places = places
        self.topics = topics
        self.tags = tags


# (singular, plural) forms.
_VERBS = (
    ("weighs", "weigh"),
    ("rejects", "reject"),
    ("backs", "back"),
    ("delays", "delay"),
    ("signals support for", "signal support for"),
    ("pushes for", "push for"),
    ("warns over", "warn over"),
    ("questions", "question"),
    ("revives", "revive"),
    ("scraps", "scrap"),
    ("unveils", "unveil"),
    ("defends", "defend"),
    ("softens stance on", "soften stance on"),
    ("doubles down on", "double down on"),
)

_TAILS = (
    "",
    "",
    "",
    " as talks stall",
    " amid growing pressure",
    " ahead of key vote",
    " after weeks of uncertainty",
    " despite objections",
    " in surprise move",
    " as critics cry foul",
    " after record quarter",
    " before year-end deadline",
)

_VOCAB: dict[str, _Vocab] = {
    "world": _Vocab(
        subjects=(
            "UN envoy",
            "EU leaders+",
            "Japan",
            "Brazil's president",
            "Kenyan officials+",
            "Turkish minister",
            "Polish government",
            "Peruvian lawmakers+",
            "South Korea",
            "Canadian premier",
            "African Union",
            "Norwegian mediators+",
            "Indonesian navy",
            "Mexican foreign ministry",
        ),
        verbs=_VERBS,
        objects=(
            "new ceasefire plan",
            "refugee deal",
            "border checks",
            "aid corridor proposal",
            "grain export pact",
            "election recount",
            "water-sharing treaty",
            "maritime patrol accord",
            "sanctions package",
            "peace conference",
            "visa-free travel scheme",
            "troop withdrawal timetable",
        ),
        tails=_TAILS,
        orgs=(
            "the United Nations",
            "the European Commission",
            "the African Union",
            "the Red Cross",
            "the World Health Organization",
            "the foreign ministry",
        ),
        places=(
            "Brussels",
            "Geneva",
            "Nairobi",
            "Jakarta",
            "Ankara",
            "Warsaw",
            "Lima",
            "Seoul",
            "Cairo",
            "Ottawa",
            "Hanoi",
            "Oslo",
        ),
        topics=(
            "the ceasefire talks",
            "the refugee crisis",
            "border security",
            "the aid corridor",
            "the regional summit",
            "the grain agreement",
            "the disputed election",
            "water rights along the river",
        ),
        tags=("Diplomacy", "Europe", "Africa", "Asia", "Migration", "Conflict", "United Nations"),
    ),
    "business": _Vocab(
        subjects=(
            "Central bank",
            "Meridian Bank",
            "Northwind Logistics",
            "Alder Energy",
            "Copperline Mining",
            "Skyway Airlines",
            "Bluefield Retail",
            "Harbor Freight Lines",
            "Carmakers+",
            "Oil producers+",
            "Pension funds+",
            "Regulators+",
            "Shipping giant",
            "Grocery chain",
        ),
        verbs=_VERBS,
        objects=(
            "rate cut",
            "merger plan",
            "job cuts",
            "dividend payout",
            "price caps",
            "bond sale",
            "factory expansion",
            "fuel surcharge",
            "takeover bid",
            "export forecast",
            "wage deal",
            "new store openings",
        ),
        tails=_TAILS,
        orgs=(
            "the central bank",
            "Meridian Bank",
            "Northwind Logistics",
            "the competition authority",
            "the statistics office",
            "Alder Energy",
        ),
        places=(
            "Frankfurt",
            "Singapore",
            "Rotterdam",
            "Chicago",
            "Mumbai",
            "Zurich",
            "Dubai",
            "Sao Paulo",
            "Toronto",
            "Hamburg",
        ),
        topics=(
            "interest rates",
            "the quarterly results",
            "the merger plan",
            "fuel prices",
            "supply chains",
            "the bond market",
            "consumer spending",
            "the export outlook",
        ),
        tags=("Economy", "Markets", "Energy", "Banking", "Trade", "Companies", "Jobs"),
    ),
    "politics": _Vocab(
        subjects=(
            "Governing coalition",
            "Opposition leader",
            "Finance minister",
            "Senate committee",
            "Prime minister",
            "Green party",
            "Electoral commission",
            "Regional governors+",
            "Lawmakers+",
            "Supreme court",
            "Party congress",
            "Interior ministry",
        ),
        verbs=_VERBS,
        objects=(
            "budget bill",
            "pension reform",
            "snap election",
            "new tax code",
            "corruption inquiry",
            "voting reform",
            "police powers bill",
            "housing plan",
            "coalition agreement",
            "spending freeze",
            "term limits",
            "lobbying rules",
        ),
        tails=_TAILS,
        orgs=(
            "the governing coalition",
            "the opposition party",
            "the finance ministry",
            "parliament's budget committee",
            "the electoral commission",
            "the senate",
        ),
        places=(
            "the capital",
            "the northern provinces",
            "Westbury",
            "Port Allen",
            "Kingsford",
            "the coastal districts",
            "Riverside",
            "Eastmoor",
        ),
        topics=(
            "the budget bill",
            "the pension reform",
            "the snap election",
            "the new tax code",
            "the corruption inquiry",
            "the voting reform",
        ),
        tags=("Elections", "Parliament", "Government", "Budget", "Law", "Campaigns"),
    ),
    "technology": _Vocab(
        subjects=(
            "Quantex",
            "Lumen Labs",
            "Orbital Systems",
            "Cobalt Semiconductors",
            "Brightwave",
            "Data regulator",
            "Chipmakers+",
            "App developers+",
            "Telecom operators+",
            "Startup founders+",
            "Cloud providers+",
            "Game studio",
        ),
        verbs=_VERBS,
        objects=(
            "AI safety rules",
            "satellite broadband launch",
            "chip plant",
            "data breach payout",
            "new smartphone line",
            "cloud price rise",
            "encryption plan",
            "app store fees",
            "5G rollout",
            "robotaxi trial",
            "open-source licence",
            "quantum computing push",
        ),
        tails=_TAILS,
        orgs=(
            "Quantex",
            "Lumen Labs",
            "the data protection authority",
            "Cobalt Semiconductors",
            "the telecoms regulator",
            "Orbital Systems",
        ),
        places=(
            "San Jose",
            "Bangalore",
            "Tallinn",
            "Shenzhen",
            "Austin",
            "Helsinki",
            "Tel Aviv",
            "Dublin",
        ),
        topics=(
            "the chip shortage",
            "the AI safety rules",
            "satellite broadband",
            "the data breach",
            "cloud computing prices",
            "the antitrust case",
            "online privacy",
        ),
        tags=(
            "Artificial intelligence",
            "Gadgets",
            "Cybersecurity",
            "Space",
            "Startups",
            "Privacy",
        ),
    ),
    "culture": _Vocab(
        subjects=(
            "National museum",
            "Film festival",
            "Royal Opera",
            "City library",
            "Book prize jury",
            "Streaming service",
            "Veteran director",
            "Pop star",
            "Theatre company",
            "Art collectors+",
            "Concert hall",
            "Publishers+",
        ),
        verbs=_VERBS,
        objects=(
            "winter exhibition",
            "restoration project",
            "festival lineup",
            "literary prize shortlist",
            "ticket price rise",
            "streaming deal",
            "world tour",
            "sequel plans",
            "museum expansion",
            "arts funding cut",
            "rare manuscript sale",
            "new season",
        ),
        tails=_TAILS,
        orgs=(
            "the national museum",
            "the film festival",
            "the Royal Opera",
            "the city library",
            "the book prize committee",
            "the arts council",
        ),
        places=(
            "Venice",
            "Edinburgh",
            "Berlin",
            "Kyoto",
            "Lisbon",
            "Vienna",
            "Marrakesh",
            "Buenos Aires",
        ),
        topics=(
            "the exhibition",
            "the restoration project",
            "the festival lineup",
            "the literary prize",
            "ticket sales",
            "the streaming deal",
            "arts funding",
        ),
        tags=("Film", "Music", "Books", "Art", "Theatre", "Festivals"),
    ),
}

_PEOPLE = (
    "Maria Keller",
    "Tomas Novak",
    "Aisha Bello",
    "Kenji Mori",
    "Elena Petrova",
    "David Okafor",
    "Sofia Lindqvist",
    "Rahul Mehta",
    "Claire Dubois",
    "Lucas Ferreira",
    "Hana Sato",
    "Omar Haddad",
)
_ROLES = (
    "a senior official",
    "a spokesperson for the ministry",
    "an analyst at Meridian Bank",
    "the deputy minister",
    "the chief executive",
    "a professor of economics at Lakeside University",
    "the committee chair",
    "a former ambassador",
    "a researcher at the Harbour Institute",
)
_DAYS = (
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "over the weekend",
    "last week",
    "earlier this month",
)
_LATER = ("next week", "later this month", "in the coming days", "before the end of the year")

_SENTENCES = (
    "{person}, {role}, said {day} that {topic} would dominate the agenda in the coming weeks.",
    "Officials in {place} said {topic} had reached a critical stage, with several proposals"
    " still under discussion.",
    "{Org} is expected to publish a detailed assessment of {topic} before the end of the month.",
    "“We are not going to rush this,” {person} told reporters in {place} {day}.",
    "The figures show a rise of {pct} percent compared with the same period last year,"
    " according to {org}.",
    "Critics argue that {topic} has been handled poorly, pointing to delays and a lack of"
    " clear communication.",
    "Talks between the two sides resumed {day} after a pause of nearly {num} weeks.",
    "Analysts said the outcome could shape {topic2} well into next year.",
    "{person} declined to comment on the details but said the process was “moving in the"
    " right direction.”",
    "More than {big} people have been affected so far, authorities in {place} said.",
    "The decision follows months of negotiations over {topic} and {topic2}.",
    "In a statement, {org} said it remained committed to a solution that works for everyone"
    " involved.",
    "Some observers in {place} remain sceptical, noting that similar promises were made before.",
    "The proposal would need the approval of {org} before it can take effect.",
    "{Org} said further updates on {topic} would be shared {later}.",
    "Markets reacted cautiously, and several investors said they were waiting for more clarity"
    " on {topic}.",
    "{person} said the plan “does not go far enough” to address {topic2}.",
    "Residents interviewed in {place} described mixed feelings about {topic}.",
    "The issue is likely to come up again {later}, officials said.",
    "According to people familiar with the matter, {org} has drawn up {num} alternative options.",
    "It is not the first time {topic} has caused friction in {place}.",
    "Earlier estimates had put the cost at around {money}, but that number has since been revised.",
    "{person}, who has followed {topic2} for years, called the latest move “overdue.”",
    "The government’s critics say the timetable leaves too little room for public consultation.",
    "A spokesperson for {org} said the talks in {place} had been “constructive but difficult.”",
    "Neither side has said publicly what a compromise on {topic} might look like.",
)

_LEADS = (
    "{Org} moved to calm fears over {topic} {day}, but questions remain about what comes next.",
    "The row over {topic} deepened {day} as officials in {place} traded blame.",
    "A long-awaited decision on {topic} could land {later}, people close to the process say.",
    "Pressure is mounting on {org} after {topic} took an unexpected turn {day}.",
)

_CAPTIONS = (
    "Officials arrive for talks in {place} {day}.",
    "A view of {place}, where {topic} has drawn crowds.",
    "{person} speaks to reporters in {place}.",
    "Delegates gather in {place} ahead of the meeting.",
)


def _fill(template: str, rng: random.Random, vocab: _Vocab) -> str:
    org = rng.choice(vocab.orgs)
    topic, topic2 = rng.sample(vocab.topics, 2)
    return template.format(
        person=rng.choice(_PEOPLE),
        role=rng.choice(_ROLES),
        day=rng.choice(_DAYS),
        later=rng.choice(_LATER),
        place=rng.choice(vocab.places),
        org=org,
        Org=org[0].upper() + org[1:],
        topic=topic,
        topic2=topic2,
        pct=rng.randint(2, 38),
        num=rng.randint(3, 9),
        big=f"{rng.randint(2, 90) * 1000:,}",
        money=f"${rng.randint(2, 95) / 10:.1f} billion",
    )


def title(rng: random.Random, section: str) -> str:
    """A headline in sentence case, e.g. "Polish government backs refugee deal as talks stall"."""
    vocab = _VOCAB[section]
    subject = rng.choice(vocab.subjects)
    singular, plural = rng.choice(vocab.verbs)
    verb = plural if subject.endswith("+") else singular
    obj = rng.choice(vocab.objects)
    text = f"{subject.rstrip('+')} {verb} {obj}{rng.choice(vocab.tails)}"
    return text[0].upper() + text[1:]


def lead(rng: random.Random, section: str) -> str:
    """A one-sentence standfirst."""
    return _fill(rng.choice(_LEADS), rng, _VOCAB[section])


def caption(rng: random.Random, section: str) -> str:
    """A photo caption."""
    return _fill(rng.choice(_CAPTIONS), rng, _VOCAB[section])


def tags(rng: random.Random, section: str) -> list[str]:
    """Two to four tags of the section."""
    return rng.sample(_VOCAB[section].tags, rng.randint(2, 4))


def paragraphs(rng: random.Random, section: str, count: int) -> list[str]:
    """``count`` distinct paragraphs of MIN_WORDS to MAX_WORDS words each."""
    vocab = _VOCAB[section]
    result: list[str] = []
    seen: set[str] = set()
    while len(result) < count:
        target = rng.randint(MIN_WORDS, MAX_WORDS)
        sentences: list[str] = []
        words = 0
        while words < target:
            sentence = _fill(rng.choice(_SENTENCES), rng, vocab)
            size = len(sentence.split())
            if words + size > MAX_WORDS:
                if words >= MIN_WORDS:
                    break
                continue
            sentences.append(sentence)
            words += size
        text = " ".join(sentences)
        if text not in seen:
            seen.add(text)
            result.append(text)
    return result
