"""The page newsarc was created from (``shared/seed/news-page.txt``), as demo-site data.

The article text keeps the seed's typography (curly quotes and apostrophes, the odd dash
spacing); the sidebar is the six "Most read" items with their view counts and times exactly
as the page showed them when it was captured (early December 2025, site time UTC+03:00).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from crawler.demo._model import SITE_TZ

__all__ = [
    "SEED_AUTHORS",
    "SEED_BLOCK",
    "SEED_CAPTION",
    "SEED_IMAGE",
    "SEED_MODIFIED",
    "SEED_PARAGRAPHS",
    "SEED_PUBLISHED",
    "SEED_SECTION",
    "SEED_SIDEBAR",
    "SEED_TAGS",
    "SEED_TITLE",
    "SeedHeadline",
]

SEED_TITLE = "Kremlin casts doubt on Trump's push for Ukraine peace as rifts remain unresolved"
SEED_SECTION = "world"
SEED_AUTHORS = ["Jane Doe"]
SEED_PUBLISHED = datetime(2025, 8, 24, 16, 20, tzinfo=SITE_TZ)
SEED_MODIFIED = datetime(2025, 8, 24, 18, 5, tzinfo=SITE_TZ)
SEED_IMAGE = "/img/lavrov-interview.jpg"
SEED_CAPTION = "Russian Foreign Minister Sergey Lavrov during a television interview in Moscow."
SEED_TAGS = ["Russia", "Ukraine", "Diplomacy", "Donald Trump"]
SEED_BLOCK = "Most read"

SEED_PARAGRAPHS = [
    "Russia’s top diplomat laid out the wide gaps between Moscow and Kyiv and put a damper on"
    " hopes that President Donald Trump will propel a swift end to the war in Ukraine.",
    "Foreign Minister Sergey Lavrov told NBC News’ “Meet the Press” moderator Kristen Welker in"
    " an exclusive interview taped Friday that there was no meeting planned between Russian"
    " President Vladimir Putin and Ukraine’s Volodymyr Zelenskyy, and that key issues — including"
    " security guarantees for Ukraine and territorial disputes— remain unresolved.",
    "Even as Trump has met separately this month with Putin, Zelenskyy and European leaders, his"
    " overtures for peace have been undermined by Russia’s continued deadly strikes on Ukraine,"
    " including on a U.S.-owned factory last week.",
    "The White House is now seeking a Putin-Zelenskyy summit, but Lavrov’s grievances"
    " underscored just how far apart the two sides remain.",
    "He said it was Ukraine that was hindering the peace process, along with European leaders"
    " who Lavrov said “don’t want peace.”",
    "“They say, ‘We cannot allow defeat of Ukraine. We cannot allow Russia to win.’ They speak"
    " in these terms: win, defeat and so on,” he said.",
    "Ukraine, which celebrated its independence day on Sunday, is being pressured to give up"
    " Russian-annexed Crimea as well as its eastern Donbas region and abandon any hope of"
    " joining NATO, the U.S.-led military alliance founded after World War II to counter the"
    " threat posed by the Soviet Union.",
    "“Zelenskyy said no to everything,” Lavrov said. “How can we meet with a person who is"
    " pretending to be a leader?”",
]


class SeedHeadline(NamedTuple):
    """One sidebar item of the seed page and the article it links to."""

    title: str
    views: int
    time_raw: str
    published: datetime
    """When the linked article was published (consistent with ``time_raw`` on 2025-12-04)."""
    section: str


def _at(day: int, hour: int, minute: int) -> datetime:
    return datetime(2025, 12, day, hour, minute, tzinfo=SITE_TZ)


# "Today" on the captured sidebar is 2025-12-04: "Yesterday" is 3 December, and older items
# show a full date.
SEED_SIDEBAR = [
    SeedHeadline(
        "Billionaires are inheriting record levels of wealth, UBS report finds",
        139,
        "17:36",
        _at(4, 17, 36),
        "business",
    ),
    SeedHeadline(
        "Austrian Businessman Seeks to Buy Sanctioned Lukoil Assets",
        340,
        "Yesterday, 23:59",
        _at(3, 23, 59),
        "business",
    ),
    SeedHeadline(
        "Italy sharply slows down NATO program for purchasing American weapons for Ukraine"
        " - Bloomberg",
        359,
        "Yesterday, 23:42",
        _at(3, 23, 42),
        "world",
    ),
    SeedHeadline(
        "The Netherlands Plans to Close Centers for Ukrainians in 2027",
        522,
        "Yesterday, 00:55",
        _at(3, 0, 55),
        "world",
    ),
    SeedHeadline(
        "Trump repeats claim of ending India, Pakistan conflict, says should win Nobel Prize",
        525,
        "02.12.2025, 23:47",
        _at(2, 23, 47),
        "politics",
    ),
    SeedHeadline(
        'Oxford University Press names "rage bait" as word of the year 2025',
        657,
        "01.12.2025, 23:35",
        _at(1, 23, 35),
        "culture",
    ),
]
