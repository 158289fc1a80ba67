"""An old table-layout regional paper: a small US county weekly whose site dates from about 2003.

Modelled on the kind of site a small-town paper still runs on a hosted CMS of that era: one
fixed-width outer table; a left column of thirty-odd navigation links (classifieds, obituaries,
church directory, e-edition), a centre column, a right column with a weather box, a "Most Read"
table with rank numbers and banner ads; nested tables for every box, ``<font>`` for every piece
of text, the headline a ``<b>`` inside ``<font size=5>``, paragraphs separated by ``<br><br>``,
no ``<article>``, no ``<time>``, no JSON-LD, no OpenGraph; the charset (ISO-8859-1) only in a
``<meta http-equiv>``; article URLs ``/news/story.php?id=NNNN``. The dateline names its zone
("4:15 PM CST"), the way such papers print it; listing teasers carry no times.
"""

from __future__ import annotations

import random

from tests.sites.blind.common import (
    E,
    Site,
    Story,
    clock12,
    item,
    make_stories,
    prose,
)

NAME = "The Millbrook Courier"
_NAV = [
    ("Home", "/"), ("Local News", "/section.php?s=local"), ("Sports", "/section.php?s=sports"),
    ("Obituaries", "/obits.php"), ("Classifieds", "/classifieds.php"), ("Weather", "/weather.php"),
    ("Church Directory", "/churches.php"), ("Letters to the Editor", "/letters.php"),
    ("Subscribe", "/subscribe.php"), ("E-Edition", "/eedition.php"), ("Contact Us", "/contact.php"),
    ("Advertise", "/advertise.php"), ("Photo Reprints", "/reprints.php"),
    ("Public Notices", "/notices.php"), ("Submit News", "/submit.php"),
]  # fmt: skip
_TITLES = [
    ("local", "County board sends Old Quarry Road repaving plan back for review"),
    ("sports", "Millbrook Mustangs edge Harlow in double overtime to reach regional final"),
    ("local", "Water tower on Cedar Street to be repainted after lead test delays"),
    ("local", "Brookside family farm marks 100 years with open house and hayrides"),
    ("sports", "Former Courier carrier named head coach at Pine Hollow High"),
    ("local", "Library levy passes by 212 votes after recount in three precincts"),
]
_AUTHORS = [["Jane Roe"], ["Bud Kessler"], ["Jane Roe", "Tom Lindqvist"], ["Courier Staff"]]


def _frame(site: Site, title: str, center: str, right_extra: str = "") -> str:
    nav = "".join(
        f'<tr><td bgcolor="#E8E8D8"><font face="Verdana" size="1">&#149; '
        f'<a href="{E(path)}">{E(label)}</a></font></td></tr>'
        for label, path in _NAV
    )
    most = _most_read(site)
    today = site.local_now
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        f"<title>{E(title)}</title>"
        '<script language="JavaScript">function popUp(u){window.open(u,"w","width=400")}</script>'
        '</head><body bgcolor="#FFFFFF" topmargin="0" leftmargin="0">'
        '<table width="760" border="0" cellpadding="0" cellspacing="0" align="center">'
        '<tr><td colspan="3"><table width="100%" cellpadding="4"><tr>'
        '<td><a href="/"><img src="/images/masthead.gif" border="0" alt="The Millbrook Courier">'
        '</a></td><td align="right"><font face="Verdana" size="1">'
        f"{today:%A}, {today:%B} {today.day}, {today:%Y}<br>Serving Millbrook County since 1894"
        "</font></td></tr></table></td></tr>"
        '<tr><td width="150" valign="top" bgcolor="#E8E8D8"><table width="100%" cellpadding="3">'
        f"{nav}</table>"
        '<br><table width="100%"><tr><td align="center"><a href="http://ads.millbrookcourier'
        '.example/click.php?b=17"><img src="/ads/feedstore_120x240.gif" border="0"></a>'
        "</td></tr></table></td>"
        f'<td width="440" valign="top"><table width="100%" cellpadding="8"><tr><td>{center}'
        "</td></tr></table></td>"
        '<td width="170" valign="top"><table width="100%" border="1" bordercolor="#CCCCCC" '
        'cellpadding="3" cellspacing="0"><tr><td bgcolor="#336699"><font color="#FFFFFF" '
        'face="Verdana" size="2"><b>Weather</b></font></td></tr><tr><td><font size="1">Millbrook: '
        "34&deg;F, cloudy<br>Tonight: low 22&deg;F</font></td></tr></table><br>"
        f"{most}{right_extra}"
        '<br><a href="http://ads.millbrookcourier.example/click.php?b=4"><img src="/ads/bank_160.gif"'
        ' border="0" alt="First County Bank - Home loans from 6.1% APR"></a></td></tr>'
        '<tr><td colspan="3" align="center"><hr size="1"><font face="Verdana" size="1">'
        '<a href="/contact.php">Contact Us</a> | <a href="/subscribe.php">Subscribe</a> | '
        '<a href="/advertise.php">Advertise</a><br>Copyright &copy; 2026 The Millbrook Courier, '
        "PO Box 118, Millbrook. All rights reserved.<br>Powered by NewsSite Pro 4.2</font></td>"
        "</tr></table></body></html>"
    )


def _most_read_stories(site: Site) -> list[Story]:
    return [site.stories[i] for i in (2, 0, 5, 1, 3)]


def _most_read(site: Site) -> str:
    rows = "".join(
        f'<tr><td valign="top"><font face="Verdana" size="2"><b>{rank}.</b></font></td>'
        f'<td><font face="Verdana" size="1"><a href="{E(s.path)}">{E(s.title)}</a></font></td></tr>'
        for rank, s in enumerate(_most_read_stories(site), start=1)
    )
    return (
        '<table width="100%" border="1" bordercolor="#CCCCCC" cellpadding="3" cellspacing="0">'
        '<tr><td colspan="2" bgcolor="#336699"><font color="#FFFFFF" face="Verdana" size="2">'
        f"<b>Most Read</b></font></td></tr>{rows}</table>"
    )


def _most_read_truth(site: Site) -> list[dict[str, object]]:
    return [
        item(site, "Most Read", rank, s)
        for rank, s in enumerate(_most_read_stories(site), start=1)
    ]


def _listing(site: Site, path: str, heading: str, stories: list[Story]) -> None:
    rows = []
    for s in stories:
        rows.append(
            '<table width="100%" cellpadding="2" cellspacing="0"><tr>'
            f'<td width="80" valign="top"><a href="{E(s.path)}"><img src="{s.image}" width="75" '
            'border="0"></a></td><td valign="top"><font face="Georgia" size="3"><b>'
            f'<a href="{E(s.path)}">{E(s.title)}</a></b></font><br><font face="Arial" size="2">'
            f'{E(s.lead)} <a href="{E(s.path)}">More &raquo;</a></font></td></tr></table><hr size="1">'
        )
    center = (
        f'<font face="Verdana" size="2" color="#990000"><b>{E(heading)}</b></font><br><br>'
        + "".join(rows)
        + '<font size="1"><a href="/archive.php">Older stories &raquo;</a></font>'
    )
    items = [item(site, heading, i, s) for i, s in enumerate(stories, start=1)]
    site.add(
        path, _frame(site, f"{NAME} - {heading}", center), "listing",
        items + _most_read_truth(site), charset="iso-8859-1", content_type="text/html",
    )  # fmt: skip


def _article(site: Site, story: Story, rng: random.Random) -> None:
    when = story.published
    byline = " and ".join(story.authors)
    role = "" if story.authors == ["Courier Staff"] else "<br>Courier Staff Writer"
    body = story.paragraphs
    photo_at = 2
    parts = []
    for index, text in enumerate(body):
        if index == photo_at:
            parts.append(
                '<table align="right" width="200" cellpadding="4"><tr><td><img src="'
                f'{story.image}" width="190"><br><font size="1"><i>{E(prose(rng, "en", 1))} '
                "(Courier photo)</i></font></td></tr></table>"
            )
        parts.append(f"{E(text)}<br><br>")
    related = [s for s in site.stories if s is not story and s.section == story.section][:2]
    related_html = "".join(
        f'<font size="2">&#149; <a href="{E(s.path)}">{E(s.title)}</a></font><br>' for s in related
    )
    comments = "".join(
        f'<tr><td bgcolor="#F4F4F4"><font size="1"><b>{name}</b> wrote on '
        f"{when:%m/%d/%Y}:</font><br><font size=\"2\">{E(text)}</font></td></tr>"
        for name, text in (
            ("millbrookmom", "Finally. That road has been a mess since I was in high school."),
            ("OldTimer52", "Who is going to pay for all this? Taxes are high enough already."),
        )
    )
    center = (
        f'<font face="Verdana" size="1"><a href="/">Home</a> &gt; '
        f'<a href="/section.php?s={story.section}">{story.section.title()}</a></font><br><br>'
        f'<font face="Georgia" size="5"><b>{E(story.title)}</b></font><br>'
        f'<font face="Arial" size="2"><i>By {E(byline)}</i>{role}</font><br>'
        f'<font face="Arial" size="1" color="#666666">Posted: {when:%A}, {when:%B} {when.day}, '
        f"{when:%Y} {clock12(when)} CST</font><br><br>"
        '<table width="100%" cellpadding="0"><tr><td><font face="Arial" size="2">'
        + "".join(parts)
        + "</font></td></tr></table>"
        '<font size="1">Copyright 2026 The Millbrook Courier. This material may not be '
        "republished without permission.</font><br><br>"
        '<font size="1"><a href="javascript:popUp(\'/email.php\')">Email this story</a> | '
        '<a href="javascript:window.print()">Print this story</a></font><br><br>'
        '<table width="100%" cellpadding="3"><tr><td bgcolor="#DDDDDD"><font size="2"><b>'
        f"Related Stories</b></font></td></tr><tr><td>{related_html}</td></tr></table><br>"
        '<table width="100%" cellpadding="4"><tr><td bgcolor="#DDDDDD"><font size="2"><b>'
        f"Reader Comments (2)</b></font></td></tr>{comments}</table>"
    )
    items = [item(site, "Related Stories", i, s, optional=True) for i, s in enumerate(related, 1)]
    site.add(
        story.path, _frame(site, f"{NAME} - {story.title}", center), "article",
        items + _most_read_truth(site), story=story, charset="iso-8859-1",
        content_type="text/html",
    )  # fmt: skip


def build(site: Site, rng: random.Random) -> None:
    stories = make_stories(
        site, rng, _TITLES, _AUTHORS, lambda i, _s, _p: f"/news/story.php?id={4410 + i * 7}",
        minutes_ago=(95, 260, 1440, 1700, 2900, 4350),
    )  # fmt: skip
    _listing(site, "/", "Top Stories", stories)
    for key, label in (("local", "Local News"), ("sports", "Sports")):
        chosen = [s for s in stories if s.section == key]
        _listing(site, f"/section.php?s={key}", label, chosen)
    for story in stories:
        _article(site, story, rng)
    for label, path in [*_NAV, ("Archive", "/archive.php")]:
        if path not in site.pages:
            inner = (
                f'<font face="Georgia" size="4"><b>{E(label)}</b></font><br><br><font size="2">'
                "This page is updated every Thursday. Call the front office at 555-0142 with "
                "questions about subscriptions, notices or advertising.</font>"
            )
            site.add(path, _frame(site, f"{NAME} - {label}", inner), "other",
                     _most_read_truth(site), charset="iso-8859-1", content_type="text/html")  # fmt: skip
