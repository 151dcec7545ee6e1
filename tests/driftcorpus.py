"""A labelled corpus for content drift: article pages in several site templates, as cited (the
capture) and as they answer now, each pair labelled `same`, `drifted` or `unknown`.

The texts are written for this project (no page is copied); the templates carry what real
sites wrap around an article — navigation menus, cookie banners, date widgets, "related
articles" lists, advertisements, newsletter boxes, comment counts, long footers — so that a
similarity computed over the whole page would be fooled by them. Used by tests/test_drift.py
(each case against loopback servers) and benchmarks/drift_bench.py (the confusion matrix).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

ARTICLES: list[tuple[str, list[str]]] = [
    (
        "Minsk and Moscow sign new integration roadmaps",
        [
            "The presidents of Belarus and Russia approved twenty-eight sectoral programmes on Thursday, "
            "the most detailed plan for the Union State since the treaty of 1999 was signed.",
            "Officials in Minsk stressed that the documents deal with taxation, customs and energy "
            "markets rather than with any common currency or shared parliament, questions that had "
            "stalled the talks for more than two years.",
            "Under the programmes, the two governments will harmonise value added tax rules by 2023 "
            "and create a single market for gas once a common price mechanism is agreed. Belarusian "
            "negotiators had asked for domestic Russian gas prices as a condition of any deeper step.",
            "Analysts in Warsaw and Vilnius read the agreement as a sign of Minsk's growing dependence "
            "on Moscow after the sanctions imposed by the European Union last year. Several noted that "
            "the texts themselves were not published and that only summaries were released to the press.",
            "A senior adviser to the Belarusian government said the programmes would be implemented "
            "gradually and that sovereignty was not on the table. Opposition figures in exile called the "
            "signing a quiet surrender of economic independence.",
        ],
    ),
    (
        "Potash exports rerouted through Russian ports",
        [
            "Belarusian potash fertiliser, once shipped almost entirely through the Lithuanian port of "
            "Klaipeda, is now travelling by rail to terminals near Saint Petersburg, according to "
            "figures released by the state producer this week.",
            "The shift followed the decision of the Lithuanian government to end the transit contract "
            "in February, after American sanctions against the producer came into force. Railway "
            "officials said the new route adds roughly four days to every delivery.",
            "Russian port operators have promised to build dedicated storage for Belarusian cargo, "
            "but industry consultants expect capacity shortages until at least the end of next year. "
            "Freight costs per tonne are estimated to have risen by about a third.",
            "Farmers in Brazil and India, the largest buyers, have so far received their contracted "
            "volumes, although traders report delays of several weeks for spot purchases. World prices "
            "for potash reached their highest level in more than a decade.",
            "Economists in Minsk warn that the arrangement gives Moscow new leverage over one of the "
            "few sources of hard currency left to the Belarusian budget.",
        ],
    ),
    (
        "Ministry publishes statement on joint military exercises",
        [
            "The Ministry of Defence announced on Monday that joint exercises with Russian forces will "
            "take place at five training grounds in the Brest and Grodno regions next month.",
            "According to the statement, about twelve thousand soldiers will take part, together with "
            "air defence units and logistics battalions. Observers from neighbouring countries have been "
            "invited to attend the final stage of the manoeuvres.",
            "The ministry described the exercises as purely defensive and said they had been planned "
            "for more than a year. It rejected reports that additional Russian units would remain in "
            "the country after the exercises end.",
            "Military experts in the Baltic states pointed out that the number of participants is "
            "close to the threshold above which international notification rules require a larger "
            "observation mission, and asked for transparency about troop movements.",
            "The statement closes by recalling the mutual defence obligations of the Union State and "
            "the agreement on a unified regional air defence system signed in 2009.",
        ],
    ),
    (
        "Independent newspaper loses its printing contract",
        [
            "The editors of one of the last independent newspapers in Belarus said on Wednesday that "
            "the state printing house had cancelled their contract without explanation.",
            "The paper, which has appeared weekly for more than twenty years, will try to print in "
            "Russia, but the editors fear that copies will not clear customs at the border. Its "
            "website remains available, although it has been blocked inside the country since August.",
            "Journalists' associations condemned the decision and recalled that two other titles had "
            "lost their printing contracts earlier in the year. The information ministry did not "
            "respond to requests for comment.",
            "Readers have started a fundraising campaign to pay for a small digital press, and "
            "subscriptions to the electronic edition have doubled in a month, according to the "
            "publisher.",
            "Media lawyers say the cancellation breaches the conditions of the paper's registration, "
            "which require distribution through the state network, leaving it in an impossible position.",
        ],
    ),
]

# Mostly rewritten versions: the same subject and title, one sentence kept from the cited text.
REWRITTEN: list[list[str]] = [
    [
        "The presidents of Belarus and Russia approved twenty-eight sectoral programmes on Thursday, "
        "the most detailed plan for the Union State since the treaty of 1999 was signed.",
        "This article has been revised. Since its first publication, several of the programmes have "
        "been amended by the Supreme State Council, and the timetable for a common tax code has slipped.",
        "In the latest version, the governments now speak of coordination rather than harmonisation, "
        "and the chapter on gas prices has been moved to a separate protocol that remains under "
        "negotiation. Critics inside both administrations complain that little has been achieved.",
        "A new monitoring committee meets every quarter and reports to the prime ministers; its "
        "first report listed eleven programmes as on schedule and seventeen as delayed.",
    ],
    [
        "Belarusian potash fertiliser, once shipped almost entirely through the Lithuanian port of "
        "Klaipeda, is now travelling by rail to terminals near Saint Petersburg.",
        "Our earlier report has been superseded. New terminals opened in the spring, and the "
        "producer now sends a growing share of its output by sea from the Leningrad region directly "
        "to Asian buyers, while exports through China by rail have started on a small scale.",
        "Prices have fallen back from their peak, and the question for Minsk is no longer the route "
        "but the discount it must offer to buyers wary of secondary sanctions imposed by Washington.",
    ],
    [
        "The Ministry of Defence announced on Monday that joint exercises with Russian forces will "
        "take place at five training grounds in the Brest and Grodno regions next month.",
        "Corrected version: the exercises were postponed by the decision of both general staffs. "
        "The new dates will be announced separately, and the list of participating units is being "
        "reviewed in light of the changed security situation in the region.",
        "Invitations sent to foreign observers are withdrawn and will be reissued when the schedule "
        "is confirmed. Questions from the press are to be sent to the ministry's information office.",
    ],
    [
        "The editors of one of the last independent newspapers in Belarus said on Wednesday that "
        "the state printing house had cancelled their contract without explanation.",
        "A month later the newspaper announced it would stop printing altogether and publish only "
        "online, from abroad. Its editor was detained in the autumn and its offices were searched.",
        "The publisher has moved the editorial team to Vilnius, where the paper continues as a "
        "website and a messaging channel with a larger audience than the printed edition ever had.",
    ],
]

SPAM = [
    "Best online casino bonus codes this week: claim free spins now and win real money instantly.",
    "Our top rated slots offer the highest payouts, exclusive jackpots and fast withdrawals to any card.",
    "Sign up today for a welcome package worth five hundred euros, no deposit required, play on mobile.",
    "Cheap replica watches, discount pharmacy offers and crypto trading signals updated every hour.",
    "Click here for the lucky spin, limited time promotion, terms apply, gamble responsibly.",
]

HEADLINES = [
    "Parliament approves budget for next year",
    "Grain harvest lower than expected in eastern regions",
    "New bridge over the Dnieper opens to traffic",
    "Teachers protest changes to school curriculum",
    "Energy prices to rise for households from January",
    "Football: national team qualifies for play-off",
    "Museum reopens after five years of restoration",
    "Court sentences activists to prison terms",
    "Border crossing closed for repairs until spring",
    "Weather: snow expected across the country",
    "Exhibition of contemporary art opens in Vitebsk",
    "Railway timetable changes announced",
]

PARKED = (
    "<html><head><title>example-news.by is for sale</title></head><body>"
    "<div class='parked'><h1>This domain may be for sale</h1><p>Buy this domain.</p>"
    "<ul><li><a href='/r?q=news'>News</a></li><li><a href='/r?q=travel'>Travel</a></li>"
    "<li><a href='/r?q=insurance'>Insurance</a></li></ul></div></body></html>"
)


@dataclass(frozen=True)
class Layout:
    """What a template draws around the article, varying between captures of the same page."""

    date: str = "Thursday, 9 September 2021, 14:05"
    related: tuple[str, ...] = tuple(HEADLINES[:5])
    advert: str = "Advertisement: Fly to Batumi from 49 euros"
    weather: str = "Minsk +12°C"


def _nav(items: list[str]) -> str:
    return "".join(f'<li><a href="/{i.lower().replace(" ", "-")}">{html.escape(i)}</a></li>' for i in items)


_MENU = ["Home", "Politics", "Economy", "Society", "World", "Opinion", "Culture", "Sport", "Video", "Archive"]
_FOOTER = (
    "<footer><p>© 2021 The Publisher. All rights reserved. Reproduction without permission prohibited.</p>"
    "<ul>" + _nav(["About us", "Contacts", "Advertising", "Privacy policy", "Terms of use", "RSS", "Jobs"]) + "</ul>"
    "<p>Editorial office: 12 Example Street, 220030 Minsk. Phone +375 17 000 00 00.</p></footer>"
)


def news(title: str, paragraphs: list[str], layout: Layout) -> str:
    """A news site: menu, cookie banner, date widget, article, related list, adverts, footer."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    related = "".join(f'<li><a href="/n/{i}">{html.escape(h)}</a></li>' for i, h in enumerate(layout.related))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)} | Daily Courier"
        "</title></head><body>"
        "<div id='cookie-banner'>We use cookies to improve your experience. By continuing to browse you agree "
        "to our use of cookies. <button>Accept all</button> <button>Settings</button></div>"
        f"<header><div class='top'><span class='date'>{layout.date}</span> <span class='weather'>"
        f"{layout.weather}</span></div><nav><ul>{_nav(_MENU)}</ul></nav></header>"
        f"<main><article><h1>{html.escape(title)}</h1><div class='byline'>By our correspondent</div>"
        f"<div class='article-body'>{body}</div></article>"
        f"<div class='ad'>{html.escape(layout.advert)}</div>"
        f"<aside class='related'><h2>Related articles</h2><ul>{related}</ul></aside></main>"
        "<div class='newsletter'>Subscribe to our newsletter and get the news every morning. "
        "<input placeholder='Your e-mail'> <button>Subscribe</button></div>"
        f"{_FOOTER}</body></html>"
    )


def blog(title: str, paragraphs: list[str], layout: Layout) -> str:
    """A blog: sidebar with archive and tags, comments count, share buttons."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    recent = "".join(f"<li><a href='/p/{i}'>{html.escape(h)}</a></li>" for i, h in enumerate(layout.related))
    return (
        f"<html><head><title>{html.escape(title)} – Notes from the East</title></head><body>"
        "<div id='wrap'><div id='header'><a href='/'>Notes from the East</a> <em>A blog about the region</em></div>"
        f"<div id='content'><div class='post'><h2 class='post-title'>{html.escape(title)}</h2>"
        f"<div class='post-meta'>Posted {layout.date} · 14 comments</div>"
        f"<div class='entry-content'>{body}</div>"
        "<div class='share'>Share: Facebook Twitter Telegram E-mail</div></div></div>"
        "<div id='sidebar'><h3>Recent posts</h3><ul>" + recent + "</ul>"
        "<h3>Archives</h3><ul><li>September 2021</li><li>August 2021</li><li>July 2021</li></ul>"
        "<h3>Tags</h3><p>Belarus Russia EU sanctions energy media army economy</p>"
        f"<div class='ad'>{html.escape(layout.advert)}</div></div>"
        "<div id='footer'>Powered by a blogging engine. Theme by someone.</div></div></body></html>"
    )


def ministry(title: str, paragraphs: list[str], layout: Layout) -> str:
    """A government portal: breadcrumbs, left menu, print version, long address footer."""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f"<html><head><title>{html.escape(title)} - Official portal</title></head><body>"
        "<table width='100%'><tr><td class='logo'>Official Internet Portal</td>"
        "<td class='lang'>BEL | RUS | ENG</td></tr></table>"
        "<div class='breadcrumbs'><a href='/'>Main</a> / <a href='/press'>Press centre</a> / News</div>"
        "<div class='left-menu'><ul>"
        + _nav(["Ministry", "Structure", "Documents", "Press centre", "Contacts"])
        + "</ul>"
        f"</div><div id='content'><h1>{html.escape(title)}</h1><div class='date'>{layout.date}</div>{body}"
        "<div class='print'><a href='?print=1'>Print version</a></div></div>"
        "<div class='footer'>Address: 1 Government Square, Minsk. Reception hours: Monday to Friday, 9:00–13:00 "
        "and 14:00–18:00. Hotline for citizens. When using materials a link to the portal is required.</div>"
        "</body></html>"
    )


def redesign(title: str, paragraphs: list[str], layout: Layout) -> str:
    """A very different modern template: deep divs, no <article>, a mega menu, a paywall teaser."""
    body = "".join(
        f"<div class='c-text'><div class='c-text__inner'><span>{html.escape(p)}</span></div></div>" for p in paragraphs
    )
    mega = "".join(f"<div class='mega__col'><ul>{_nav(_MENU)}</ul></div>" for _ in range(3))
    return (
        f"<!doctype html><html><head><title>{html.escape(title)}</title>"
        "<meta property='og:type' content='article'></head><body>"
        f"<div class='l-page'><div class='mega'>{mega}</div>"
        "<div class='l-grid'><div class='l-col l-col--main'>"
        f"<div class='headline'><h1 class='headline__title'>{html.escape(title)}</h1></div>"
        f"<div class='meta'><time>{layout.date}</time> · 4 min read</div>"
        f"<div class='story'>{body}</div>"
        "<div class='paywall-teaser'>Support independent journalism: become a member from 5 euros a month.</div>"
        "</div><div class='l-col l-col--side'><div class='most-read'><h3>Most read</h3><ol>"
        + "".join(f"<li>{html.escape(h)}</li>" for h in layout.related)
        + "</ol></div></div></div>"
        "<div class='site-footer'>Daily Courier · All rights reserved · Cookie settings · Imprint</div>"
        "</div></body></html>"
    )


def index(title: str, layout: Layout, template: Callable[[str, list[str], Layout], str]) -> str:
    """A section index in the site's template: headlines with one-line teasers."""
    teasers = [f"{h}. Read more about this story in our section." for h in HEADLINES]
    return template("Politics – latest news", teasers, layout)


TEMPLATES: dict[str, Callable[[str, list[str], Layout], str]] = {"news": news, "blog": blog, "ministry": ministry}

LATER = Layout(
    date="Monday, 14 November 2022, 09:41",
    related=tuple(HEADLINES[5:11]),
    advert="Advertisement: Winter tyres at half price",
    weather="Minsk −3°C",
)


def updated(paragraphs: list[str]) -> list[str]:
    """The same text with two typos corrected and an "Update:" paragraph added."""
    fixed = [p.replace("the", "teh", 1) if i == 1 else p for i, p in enumerate(paragraphs)]
    fixed = [p.replace(" said ", " stated ", 1) for p in fixed]
    return [
        *fixed,
        "Update, 10 September: after publication, the press service added that further details "
        "would be released at a briefing next week.",
    ]


@dataclass(frozen=True)
class Case:
    name: str
    expected: str  # "same", "drifted", "unknown"
    cited: str | None  # the capture's HTML, None: no capture near the citation date
    now: str  # the page as it answers now
    capture_years_after: bool = False  # the only capture is years after the citation date


def cases() -> list[Case]:
    """Every labelled case: each article in each template, in every kind of change."""
    out: list[Case] = []
    for number, (title, paragraphs) in enumerate(ARTICLES):
        other_title, other = ARTICLES[(number + 1) % len(ARTICLES)]
        for name, template in TEMPLATES.items():
            cited = template(title, paragraphs, Layout())
            tag = f"{name}-{number}"
            out += [
                Case(f"identical/{tag}", "same", cited, cited),
                Case(f"new template/{tag}", "same", cited, redesign(title, paragraphs, LATER)),
                Case(f"update and typos/{tag}", "same", cited, template(title, updated(paragraphs), LATER)),
                Case(f"new widgets/{tag}", "same", cited, template(title, paragraphs, LATER)),
                Case(f"another article/{tag}", "drifted", cited, template(other_title, other, LATER)),
                Case(f"parked domain/{tag}", "drifted", cited, PARKED),
                Case(f"section index/{tag}", "drifted", cited, index(title, LATER, template)),
                Case(f"spam/{tag}", "drifted", cited, template(title, SPAM, LATER)),
                Case(f"rewritten/{tag}", "drifted", cited, template(title, REWRITTEN[number], LATER)),
                Case(f"no capture/{tag}", "unknown", None, cited),
                Case(f"capture years after/{tag}", "unknown", cited, cited, capture_years_after=True),
            ]
    return out
