"""Body recall (issue 14): the body's paragraphs that sit beside the main container, on small
pages written for each rule's shape."""

from __future__ import annotations

from datetime import UTC, datetime

from bench.realpages import Output, with_lead
from crawler.extract import PageInput, extract_page

FETCHED = datetime(2025, 12, 4, 15, 0, tzinfo=UTC)
URL = "https://news.example.org/2024/05/06/harbour-plan-approved"
_WORDS = (
    "The harbour board approved the plan on Tuesday, after a long debate, and work on the "
    "new quay is due to start in spring, the chair said."
)


def _para(label: str) -> str:
    return f"<p>{label}: {_WORDS}</p>"


def _page(content: str) -> str:
    return (
        "<html><head><title>Harbour plan approved</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
        f"<div class='page'><h1>Harbour plan approved</h1>{content}</div>"
        "<footer><a href='/imprint'>Imprint</a></footer></body></html>"
    )


def _text(html: str) -> str:
    result = extract_page(PageInput(url=URL, html=html, fetched_at=FETCHED))
    assert result.article is not None, result.reason
    return result.article.text


def test_paragraphs_beside_a_larger_sub_container_are_body() -> None:
    """The text's first paragraphs sit directly in the wrapper, the rest in a child ``<div>``
    that holds most of the text (too much for the wrapper to add a third): both are body."""
    inner = "".join(_para(f"Inner {i}") for i in range(8))
    html = _page(
        f"<div class='col-a'>{_para('Opening')}<div class='ad-slot'></div>"
        f"<h3>What happens next</h3><div>{inner}</div></div>"
    )
    text = _text(html)
    assert text.startswith("Opening: ")
    assert "What happens next" in text
    assert "Inner 7: " in text


def test_a_body_split_into_sibling_modules_is_read_whole() -> None:
    """A page builder splits the body into sibling modules of one kind (same tag, same first
    class), with picture modules and an ad between them: every text module is body, the
    ad and the related box between them are not."""
    modules = [
        "".join(_para(f"Module {m} paragraph {i}") for i in range(n))
        for m, n in enumerate((1, 10, 1, 1))
    ]
    html = _page(
        "<div class='wrap'>"
        f"<div class='module module-copy a1x'>{modules[0]}</div>"
        "<div class='module module-image b2y'><figure><img src='/a.jpg'>"
        "<figcaption>The quay today</figcaption></figure></div>"
        f"<div class='module module-copy c3z'>{modules[1]}</div>"
        "<div class='related-box'><a href='/a'>Older story about the harbour budget</a>"
        "<a href='/b'>Another story about the ferry timetable</a></div>"
        f"<div class='module module-copy d4w'>{modules[2]}</div>"
        "<div class='banner-ad'>Advertisement</div>"
        f"<div class='module module-copy e5v'>{modules[3]}</div>"
        "</div>"
    )
    text = _text(html)
    for label in ("Module 0 paragraph 0", "Module 1 paragraph 5", "Module 2 paragraph 0",
                  "Module 3 paragraph 0"):  # fmt: skip
        assert f"{label}: " in text
    assert text.index("Module 0 paragraph 0") < text.index("Module 3 paragraph 0")
    assert "Older story" not in text
    assert "Advertisement" not in text


def test_sibling_lines_without_prose_are_not_body() -> None:
    """Siblings of the same kind that hold no paragraph (a dateline, a credits field) and a
    short line at the end of the run ("Our standards: …") stay out."""
    body = "".join(_para(f"Body {i}") for i in range(6))
    html = _page(
        "<div class='node'>"
        "<div class='field field-date'>Posted: Fri 6:45 PM, Feb 16, 2018 | Updated: Sat</div>"
        "<div class='field field-credits'>In cooperation with Anna Example, Ben Example</div>"
        f"<div class='field field-body'>{body}</div>"
        "<p class='trust'>Our standards: the editorial principles.</p>"
        "</div>"
    )
    text = _text(html)
    assert "Body 5: " in text
    assert "Posted:" not in text
    assert "cooperation" not in text
    assert "Our standards" not in text


def test_continuation_stops_at_the_article() -> None:
    """Siblings of the story's ``<article>`` (other stories' teasers with summaries) are never
    continuations of its body."""
    body = "".join(_para(f"Story {i}") for i in range(6))
    html = _page(
        f"<div class='stream'><article><div class='text'>{body}</div></article>"
        f"<p>Another story: {_WORDS}</p></div>"
    )
    text = _text(html)
    assert "Story 5: " in text
    assert "Another story" not in text


def test_a_standfirst_outside_the_body_container_is_the_lead_only() -> None:
    """A standfirst in the article's header, outside the body's container, is the lead and
    not repeated in the text."""
    lead = "The harbour board has approved the new quay after two years of planning and debate."
    body = "".join(_para(f"Body {i}") for i in range(6))
    html = _page(
        f"<article><header><p class='standfirst'>{lead}</p></header>"
        f"<div class='col-a'>{body}</div></article>"
    )
    result = extract_page(PageInput(url=URL, html=html, fetched_at=FETCHED))
    assert result.article is not None
    assert result.article.lead == lead
    assert result.article.text.startswith("Body 0: ")


def test_a_table_holding_the_body_is_layout_not_data() -> None:
    """Old layouts nest the article in table cells inside the main container; a table holding
    half the body's text is read, a small data table beside the text is not."""
    cells = "".join(f"<tr><td>{_WORDS} Cell {i}.<br><br>{_WORDS}</td></tr>" for i in range(4))
    data = "<table><tr><td>Quay length</td><td>420 m</td></tr></table>"
    html = _page(
        f"<div class='col-a'>{_para('Intro')}{data}<table class='inner'>{cells}</table></div>"
    )
    text = _text(html)
    assert "Cell 3." in text
    assert "Quay length" not in text


def test_a_dateline_between_standfirst_and_body_is_not_body() -> None:
    """A short line carrying the story's ``<time>`` beside the body's container is furniture,
    even between two pieces of prose."""
    lead = (
        "The harbour board has approved the new quay after two years of planning and debate, "
        "and building starts in spring."
    )
    body = "".join(_para(f"Body {i}") for i in range(6))
    html = _page(
        f"<article><p class='standfirst'>{lead}</p><p class='date'><time "
        "datetime='2024-05-06T10:00:00+02:00'>May 6, 2024 — 10:00 AM</time></p>"
        f"<div class='col-a'>{body}</div></article>"
    )
    text = _text(html)
    assert text.startswith("Body 0: ")
    assert "May 6, 2024" not in text


def test_the_harness_scores_the_lead_and_the_text_as_the_article() -> None:
    """bench/realpages.py's "newsarc" row puts the item's lead before its text (once: not when
    the text already holds it, wherever); the "newsarc text only" row is the text alone."""
    outputs = {
        "a": Output(text="Body.", lead="Lead."),
        "b": Output(text="Lead.\n\nBody.", lead="Lead."),
        "c": Output(text="Body."),
        "d": Output(text="Kicker.\n\nThe  lead.\n\nBody.", lead="The lead."),
        "e": Output(text="", lead="Lead."),
    }
    joined = with_lead(outputs)
    assert [joined[k].text for k in "abcde"] == [
        "Lead.\n\nBody.",
        "Lead.\n\nBody.",
        "Body.",
        "Kicker.\n\nThe  lead.\n\nBody.",
        "Lead.",
    ]
    assert outputs["a"].text == "Body."


def test_a_dialog_is_never_the_body_however_much_text_it_holds() -> None:
    """A pop-up (``role=dialog``) holding a longer copy of another article than the story
    itself is boilerplate: the wrapper exemption for large negative elements does not apply."""
    story = "".join(_para(f"Story {i}") for i in range(4))
    popup = "".join(
        f"<p>Popup {i}: other programme text, with details, dates and names.</p>" for i in range(16)
    )
    html = _page(
        f"<div class='entry-content'>{story}</div>"
        f"<div class='pum-overlay' role='dialog' aria-hidden='true'><div>{popup}</div></div>"
    )
    text = _text(html)
    assert "Story 3: " in text
    assert "Popup" not in text


def test_a_commentary_is_an_article_not_a_comment_thread() -> None:
    """An opinion piece's genre, "commentary", makes its container no comment box (the
    comment thread under it still is)."""
    story = "".join(_para(f"Opinion {i}") for i in range(3))
    comments = "".join(
        f"<li><p>Reader {i}: I disagree with this, and here is a long reply, with reasons.</p></li>"
        for i in range(4)
    )
    html = _page(
        f"<div class='sect_article news subjective commentary'><article>{story}</article></div>"
        f"<div class='sect_commentlinks'><ul>{comments}</ul></div>"
        f"<aside><p>{_WORDS * 4}</p></aside>"
    )
    # A URL that does not look like an article's: no second pass to make up for the first.
    page = PageInput(url="https://news.example.org/opinion", html=html, fetched_at=FETCHED)
    article = extract_page(page).article
    assert article is not None
    text = article.text
    assert "Opinion 2: " in text
    assert "Reader" not in text


def test_related_and_login_lines_in_other_languages_are_furniture() -> None:
    """A related box's or a login box's label at the body's end is no paragraph, in the real
    sets' languages as in English."""
    lines = [
        "Mehr zum Thema",
        "Das könnte Sie auch interessieren!",
        "Sie sind aktuell nicht eingeloggt.",
        "À lire aussi : le port",
        "Leggi anche",
        "Читайте также",
    ]
    html = _page(
        "<div class='story'>"
        # Enough words that the first pass stands alone (no second opinion).
        + "".join(_para(f"Part {i}") for i in range(7))
        + "".join(f"<p>{line}</p>" for line in lines)
        + "</div>"
    )
    text = _text(html)
    assert "Part 6: " in text
    for line in lines:
        assert line not in text


def _article(html: str) -> tuple[str | None, str]:
    result = extract_page(PageInput(url=URL, html=html, fetched_at=FETCHED))
    assert result.article is not None, result.reason
    return result.article.lead, result.article.text


def test_a_standfirst_in_the_story_header_above_the_body_is_the_lead() -> None:
    """The standfirst sits in the story's ``<header>`` (boilerplate by tag), several levels
    above the main container: it is the lead, and stays out of the text."""
    lead = "The board voted seven to two for the new quay, ending a decade of argument."
    body = "".join(_para(f"Body {i}") for i in range(5))
    html = _page(
        f"<article><header class='story-head'><div class='wrap'><p class='summary'>{lead}</p>"
        f"</div></header><div class='row'><div class='col'><div class='text'>{body}</div></div>"
        "</div></article>"
    )
    found, text = _article(html)
    assert found == lead
    assert lead not in text
    assert text.startswith("Body 0: ")


def test_a_lead_is_never_read_above_the_story_or_from_the_sites_header() -> None:
    """Above the main container the search stops at the story's ``<article>``: the site's
    tagline (``site-description`` in the page's ``<header>``) is no lead."""
    tagline = "News, views and the weather from the harbour town, every day since 1901."
    body = "".join(_para(f"Body {i}") for i in range(5))
    html = _page(
        f"<header><p class='site-description'>{tagline}</p></header>"
        f"<article><div class='row'><div class='col'><div class='text'>{body}</div></div></div>"
        "</article>"
    )
    found, _ = _article(html)
    assert found is None


def test_standfirst_class_names_in_other_languages() -> None:
    """``sommario`` (it), ``vorspann`` (de), ``chapo`` (fr) name a standfirst."""
    body = "".join(_para(f"Body {i}") for i in range(5))
    for hint in ("sommario", "vorspann", "af-chapo"):
        lead = f"A lead written under the class {hint}, one sentence above the body."
        found, _ = _article(_page(f"<div class='{hint}'><p>{lead}</p></div>{body}"))
        assert found == lead, hint


def test_a_form_inside_the_body_and_a_line_of_links_are_not_text() -> None:
    """A rating form ("Wie bewerten Sie diesen Artikel?") and an inline line that is all link
    ("zurück zur Listenansicht") inside the body container are furniture; so is a related
    box's label in the informal German form."""
    body = "".join(_para(f"Body {i}") for i in range(4))
    html = _page(
        f"<div class='text'>{body}<form><fieldset><h2>Wie bewerten Sie diesen Artikel?</h2>"
        "<p>Bitte wählen Sie zwischen einem und fünf Sternen aus.</p></fieldset></form>"
        "<a href='/news'>zurück zur Listenansicht</a><h2>Das könnte dich interessieren</h2>"
        "Plain closing line of the story, with no link in it at all, as the text ends.</div>"
    )
    text = _text(html)
    assert "Body 3: " in text
    assert "bewerten" not in text and "Sternen" not in text
    assert "Listenansicht" not in text
    assert "Das könnte dich" not in text
    assert "Plain closing line of the story" in text


def test_a_sidebar_holding_half_the_page_beside_the_content_column_is_no_wrapper() -> None:
    """A ``sidebar`` column of teaser texts holding more than half the page's text is not the
    page's wrapper when its sibling, named as content, holds at least as much paragraph text:
    the story in the content column is the body."""
    story = "".join(_para(f"Story {i}") for i in range(3))
    teasers = "".join(
        f"<div class='views-row'><div class='views-title'>Teaser {i}: another post from the "
        "blog, about the town, its people and their plans</div><div class='field-content'>"
        f"<p>More of teaser {i}, in a few words.</p></div></div>"
        for i in range(6)
    )
    html = _page(
        f"<div class='main'><div class='column content'>{story}</div>"
        f"<div class='column sidebar sidebar-second'>{teasers}</div></div>"
    )
    text = _text(html)
    assert "Story 0: " in text and "Story 2: " in text
    assert "Teaser" not in text


def _described(description: str, content: str, header: str = "") -> str:
    return (
        "<html><head><title>Harbour plan approved</title>"
        f"<meta property='og:description' content='{description}'></head><body>{header}"
        f"<div class='page'><h1>Harbour plan approved</h1>{content}</div></body></html>"
    )


def test_an_unhinted_standfirst_that_shows_the_description_is_the_lead() -> None:
    """A standfirst with no standfirst class (TYPO3's ``ce-news--teaser``, a plain ``<p>``)
    above the body shows itself by repeating the page's declared description."""
    lead = "The board voted seven to two for the new quay, ending a decade of argument."
    body = "".join(_para(f"Body {i}") for i in range(5))
    html = _described(
        lead, f"<div class='news-teaser'><p>{lead}</p></div><div class='text'>{body}</div>"
    )
    found, text = _article(html)
    assert found == lead
    assert text.startswith("Body 0: ")
    # The same paragraph with another description is no lead.
    other = "Everything about the quay vote, the costs and the timetable of the works ahead."
    assert _article(html.replace(f"content='{lead}'", f"content='{other}'"))[0] is None


def test_a_subtitle_or_the_sites_tagline_showing_the_description_is_no_lead() -> None:
    """A subtitle set as a heading is the headline's second part, and the site's tagline in
    its header (many sites' description of every page) belongs to no story."""
    line = "The board voted seven to two for the new quay, ending a decade of argument."
    body = "".join(_para(f"Body {i}") for i in range(5))
    subtitle = _described(line, f"<h2 class='sub-head'>{line}</h2><div class='text'>{body}</div>")
    assert _article(subtitle)[0] is None
    tagline = _described(
        line, f"<div class='text'>{body}</div>", header=f"<header><p>{line}</p></header>"
    )
    assert _article(tagline)[0] is None


def test_drupal_fields_with_hidden_labels_are_body() -> None:
    """Drupal marks a field whose label is not shown ``field--label-hidden``: the field itself
    is shown, and its paragraphs are body."""
    fields = "".join(
        f"<div class='field field--name-field-section-{n} field--label-hidden'>"
        + "".join(_para(f"Section {n} paragraph {i}") for i in range(3))
        + "</div>"
        for n in range(3)
    )
    result = extract_page(PageInput(url=URL, html=_page(fields), fetched_at=FETCHED))
    assert result.article is not None, result.reason
    assert "engine" not in result.article.extraction  # read by the first pass, not trafilatura
    text = result.article.text
    assert "Section 0 paragraph 0: " in text
    assert "Section 2 paragraph 2: " in text


def test_a_body_split_into_drupal_paragraphs_is_read_whole() -> None:
    """Drupal's paragraphs nest each section's text six levels below the field listing the
    sections (field, item, paragraph, field, item, paragraph, text): every section is body."""

    def section(n: int, paras: int) -> str:
        text = "".join(_para(f"Section {n} paragraph {i}") for i in range(paras))
        return (
            "<div class='field__item'><div class='paragraph paragraph--type--columns'>"
            "<div class='field field--name-field-cols'><div class='field__item'>"
            f"<div class='paragraph paragraph--type--text'><div class='field--name-field-text'>"
            f"{text}</div></div></div></div></div></div>"
        )

    html = _page(
        "<div class='field field--name-field-sections'>"
        f"{section(0, 2)}{section(1, 6)}{section(2, 2)}</div>"
    )
    text = _text(html)
    for n, last in ((0, 1), (1, 5), (2, 1)):
        assert f"Section {n} paragraph {last}: " in text, n
