"""Hand-made stories whose relation to the watch lists is known by construction.

Written for presswatch (fictional events, fictional people). Three kinds:

* variants: articles that mention a watch term in one specific form (case, hyphen, plural,
  possessive, title only, Arabic with harakat, ...) or nearly mention it (near-misses);
* the wire story published by several outlets with small edits, and its Arabic translation;
* hard negatives for deduplication: two market reports from one template, and two reports of
  one event that share a quote.

No context sentence starts with "Ceasefire", "Cease" or "Crossing" and none ends with "Gaza"
or "Rafah", so no phrase can form across sentence or paragraph boundaries by accident.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import text, words
from .model import GAZA, RAFAH

# Background sentences for Middle East stories; none contains a watch term or its parts.
CONTEXT_EN = (
    "Mediators from Egypt and Qatar held separate meetings with both delegations on {day}.",
    "Aid agencies said the number of lorries entering the territory remained far below what "
    "was needed.",
    "A spokesperson for the UN humanitarian office said fuel and medical supplies were "
    "running low.",
    "Officials said the talks in Cairo would continue for at least another day.",
    "Families waited for news outside hospitals in the south of the territory, local "
    "journalists reported.",
    "The agreement sets out a phased exchange of detainees and hostages, according to a copy "
    "seen by reporters.",
    "Diplomats cautioned that several questions, including the timing of troop withdrawals, "
    "remained unresolved.",
    "The World Food Programme said it had delivered flour to several distribution points over "
    "the weekend.",
    "A senior official involved in the negotiations, who asked not to be named, said progress "
    "had been slow.",
    "Both sides accused each other of violations, claims that could not be independently verified.",
    "The United States said its envoy would travel to the region later in the week.",
    "Engineers began assessing damage to water pipelines and the main power plant.",
    "The health ministry said hospitals were operating at well above capacity.",
    "Talks are expected to resume after a short pause for consultations, diplomats said.",
)
CONTEXT_AR = (
    "وعقد الوسطاء المصريون والقطريون اجتماعات منفصلة مع الوفدين يوم {day}.",
    "وقالت وكالات الإغاثة إن عدد الشاحنات التي دخلت القطاع لا يزال أقل بكثير من الاحتياجات.",
    "وأفاد متحدث باسم مكتب الأمم المتحدة لتنسيق الشؤون الإنسانية بأن إمدادات الوقود والأدوية "
    "تتناقص.",
    "وقال مسؤولون إن المحادثات في القاهرة ستستمر يوماً آخر على الأقل.",
    "وحذر دبلوماسيون من أن عدة قضايا لا تزال عالقة، بينها الجدول الزمني للانسحاب.",
    "واتهم كل طرف الآخر بارتكاب خروقات، وهي اتهامات لم يتسن التحقق منها بشكل مستقل.",
    "وقالت وزارة الصحة إن المستشفيات تعمل بما يفوق طاقتها الاستيعابية.",
    "وبدأ مهندسون تقييم الأضرار التي لحقت بشبكات المياه ومحطة الكهرباء الرئيسية.",
)


@dataclass(frozen=True)
class Variant:
    """One way of mentioning (or nearly mentioning) a watch term."""

    form: str
    language: str
    watchlists: frozenset[str]
    titles: tuple[str, ...]  # one is chosen; may contain the term
    injections: tuple[str, ...] = ()  # sentences placed in separate, non-adjacent paragraphs
    late: bool = False  # put the first injection near the end of the body
    comment: str | None = None  # a reader comment shown under the article
    link_word: str | None = None  # a word the page renders as an inline link

    @property
    def near_miss(self) -> bool:
        return self.form.startswith("near-miss")


_G = frozenset({GAZA})
_R = frozenset({RAFAH})
_NONE: frozenset[str] = frozenset()

VARIANTS: tuple[Variant, ...] = (
    Variant(
        "exact",
        "en",
        _G,
        ("Gaza ceasefire holds as aid deliveries increase",),
        (
            "Negotiators said the Gaza ceasefire had largely held since the weekend, despite "
            "sporadic reports of violations.",
        ),
    ),
    Variant(
        "upper-hyphen",
        "en",
        _G,
        ("Thousands march in {city} to demand an end to the fighting",),
        (
            'Marchers carried banners reading "GAZA CEASE-FIRE NOW" and chanted for several hours '
            "outside the parliament building.",
        ),
    ),
    Variant(
        "spaced-compound",
        "en",
        _G,
        ("Diplomats voice cautious hope after a week of talks",),
        ("Several diplomats described the Gaza cease fire as fragile but intact.",),
    ),
    Variant(
        "possessive",
        "en",
        _G,
        ("Second phase of truce due to begin next week, draft says",),
        (
            "The second phase of Gaza's ceasefire is due to begin next week, according to the "
            "draft seen by reporters.",
        ),
    ),
    Variant(
        "title-only-typographic",
        "en",
        _G,
        ("Mediators race to shore up Gaza\u2019s cease\u2011fire",),
    ),
    Variant(
        "plural",
        "en",
        _G,
        ("Analysts weigh what it will take for the truce to last",),
        ("Previous Gaza ceasefires collapsed within weeks, several analysts noted.",),
    ),
    Variant("title-only", "en", _G, ("Gaza ceasefire: what the draft agreement says",)),
    Variant(
        "body-only-late",
        "en",
        _G,
        ("Mediators report progress after overnight talks",),
        (
            "People close to the talks said a formal announcement on the Gaza ceasefire could "
            "come within days.",
        ),
        late=True,
    ),
    Variant(
        "nbsp",
        "en",
        _G,
        ("Aid groups prepare for a surge in deliveries",),
        (
            "Aid groups said they were preparing for a surge in deliveries once the "
            "Gaza\u00a0ceasefire entered its second stage.",
        ),
    ),
    Variant(
        "inline-link",
        "en",
        _G,
        ("Explainer: the timeline of the negotiations",),
        ("The Gaza ceasefire was first proposed in a draft circulated in the spring.",),
        link_word="Gaza",
    ),
    Variant(
        "title-case",
        "en",
        _G,
        ("Talks On GAZA Ceasefire Enter Third Day",),
        ("Delegates arrived for a third day of talks on the gaza ceasefire, officials said.",),
    ),
    Variant(
        "en-dash",
        "en",
        _G,
        ("Monitors report overnight violations",),
        ("Monitors said the Gaza cease\u2013fire had been violated twice overnight.",),
    ),
    Variant(
        "arabic-in-english",
        "en",
        _G,
        ("Protesters in {city} rally outside the embassy",),
        ('One placard, written in Arabic, read "وقف إطلاق النار في غزة الآن".',),
    ),
    Variant(
        "rafah-exact",
        "en",
        _R,
        ("Rafah crossing reopens for travellers",),
        ("The Rafah crossing reopened to travellers on {day}, border officials said.",),
    ),
    Variant(
        "rafah-plural",
        "en",
        _R,
        ("Aid flows rise as more lorries pass through",),
        (
            "Daily Rafah crossings by aid lorries rose to their highest level in months, "
            "according to the UN.",
        ),
    ),
    Variant(
        "rafah-possessive",
        "en",
        _R,
        ("Travellers queue as border terminal reopens",),
        (
            "The Rafah Crossing's passenger terminal reopened after repairs to its roof and "
            "scanners.",
        ),
    ),
    Variant("rafah-title-only", "en", _R, ("Rafah crossing: long queues on the first day",)),
    Variant(
        "both-lists",
        "en",
        _G | _R,
        ("Gaza ceasefire deal includes plan to reopen Rafah crossing",),
        (
            "Under the Gaza ceasefire deal, the Rafah crossing would reopen for the sick and "
            "wounded within a week.",
        ),
    ),
    Variant(
        "ar-exact",
        "ar",
        _G,
        ("الوسطاء: وقف إطلاق النار في غزة صامد رغم الخروقات",),
        ("وقال الوسطاء إن وقف إطلاق النار في غزة صمد إلى حد كبير منذ نهاية الأسبوع.",),
    ),
    Variant(
        "ar-harakat",
        "ar",
        _G,
        ("محادثات جديدة في القاهرة لبحث المرحلة الثانية",),
        ("وأكد المتحدث أن وَقْفَ إِطْلَاقِ النَّارِ فِي غَزَّةَ سيدخل مرحلته الثانية الأسبوع المقبل.",),
    ),
    Variant(
        "ar-bare-alef",
        "ar",
        _G,
        ("وكالات الإغاثة تستعد لزيادة الشحنات",),
        ("وقالت وكالات الإغاثة إنها تستعد لزيادة الشحنات مع تثبيت وقف اطلاق النار في غزة.",),
    ),
    Variant(
        "ar-rafah",
        "ar",
        _R,
        ("إعادة فتح معبر رفح أمام المسافرين",),
        ("وأعيد فتح معبر رفح أمام حركة المسافرين يوم {day}، بحسب مسؤولين على الحدود.",),
    ),
    # Near-misses: a careful matcher must not report these.
    Variant(
        "near-miss:separate-paragraphs",
        "en",
        _NONE,
        ("Schools reopen as winter approaches",),
        (
            "Schools in Gaza City reopened for the first time in months, teachers said.",
            "Separately, a ceasefire between rival factions in the north of the country was "
            "reported to be holding.",
        ),
    ),
    Variant(
        "near-miss:reversed",
        "en",
        _NONE,
        ("Talks resume in Doha as mediators push for an extension",),
        ("Talks on extending the ceasefire in Gaza resumed in Doha on {day}.",),
    ),
    Variant(
        "near-miss:same-sentence",
        "en",
        _NONE,
        ("Northern districts still waiting for relief",),
        (
            "Officials in Gaza said the ceasefire announced in Doha had not yet brought relief to "
            "the north.",
        ),
    ),
    Variant(
        "near-miss:gazan",
        "en",
        _NONE,
        ("Monitors publish first report",),
        ("A group of Gazan ceasefire monitors published its first report on {day}.",),
    ),
    Variant(
        "near-miss:rafah-alone",
        "en",
        _NONE,
        ("Markets reopen in the south",),
        (
            "Residents of Rafah said markets had reopened and bread was easier to find.",
            "The Kerem Shalom crossing was closed for a second day, aid agencies said.",
        ),
    ),
    Variant(
        "near-miss:rafah-border-crossing",
        "en",
        _NONE,
        ("Lorries queue for hours at the border",),
        ("Lorries queued at the Rafah border crossing for most of the day.",),
    ),
    Variant(
        "near-miss:comments-only",
        "en",
        _NONE,
        ("Regional leaders meet to discuss water sharing",),
        (),
        comment="Any news on the Gaza ceasefire? Nothing about it here.",
    ),
    Variant(
        "near-miss:ar-separate",
        "ar",
        _NONE,
        ("قوافل المساعدات تصل إلى شمال القطاع",),
        (
            "ووصلت قوافل المساعدات إلى مدينة غزة بعد انتظار طويل.",
            "وفي سياق منفصل، قال مسؤولون إن وقف إطلاق النار في جنوب لبنان لا يزال صامداً.",
        ),
    ),
    Variant(
        "near-miss:ar-rafah-alone",
        "ar",
        _NONE,
        ("عودة الحركة إلى الأسواق في الجنوب",),
        (
            "وقال سكان في رفح إن الأسواق أعادت فتح أبوابها.",
            "وأغلق معبر كرم أبو سالم لليوم الثاني على التوالي.",
        ),
    ),
)


@dataclass
class Written:
    """Title and paragraphs of a hand-made article, plus how it relates to the watch lists."""

    title: str
    paragraphs: list[str]
    form: str
    language: str
    watchlists: set[str] = field(default_factory=set)
    near_miss: bool = False
    comment: str | None = None
    link_word: str | None = None
    topic: str = "middle-east"  # a key of words.TOPICS / words.ARABIC_TOPICS, or this


class _ContextSentences:
    """Background sentences in a shuffled order, so one article does not repeat itself."""

    def __init__(self, rng: random.Random, language: str, weekday: int) -> None:
        self.rng = rng
        self.pool = CONTEXT_AR if language == "ar" else CONTEXT_EN
        self.day = (words.WEEKDAYS_AR if language == "ar" else words.WEEKDAYS)[weekday]
        self.queue: list[str] = []

    def take(self, count: int) -> list[str]:
        taken = []
        for _ in range(count):
            if not self.queue:
                self.queue = self.rng.sample(self.pool, len(self.pool))
            taken.append(self.queue.pop().replace("{day}", self.day))
        return taken


def _context_paragraph(
    rng: random.Random,
    language: str,
    weekday: int,
    style: text.TextStyle,
    sentences: _ContextSentences,
) -> str:
    # Mostly generated paragraphs: two unrelated articles must not share most of their text,
    # or they would rightly count as copies of one story.
    if rng.random() < 0.75:
        if language == "ar":
            return text.arabic_paragraph(rng, "economy", weekday)
        return text.english_paragraph(rng, "world", style, weekday)
    return " ".join(sentences.take(rng.randint(2, 3)))


def _insert_sentence(rng: random.Random, paragraph: str, sentence: str) -> str:
    sentences = paragraph.split(". ")
    at = rng.randint(0, len(sentences))
    if at == len(sentences):
        return f"{paragraph} {sentence}"
    head = ". ".join(sentences[:at])
    tail = ". ".join(sentences[at:])
    return f"{head}. {sentence} {tail}" if head else f"{sentence} {tail}"


def write_variant(
    variant: Variant, rng: random.Random, weekday: int, style: text.TextStyle
) -> Written:
    """An article built around one variant: background paragraphs plus the injected sentences."""
    day = words.WEEKDAYS_AR[weekday] if variant.language == "ar" else words.WEEKDAYS[weekday]
    count = rng.randint(max(5, 2 * len(variant.injections) + 2), 12)
    sentences = _ContextSentences(rng, variant.language, weekday)
    paragraphs = [
        _context_paragraph(rng, variant.language, weekday, style, sentences) for _ in range(count)
    ]
    # Injections go to paragraphs at least two apart so they never end up side by side.
    position = count - 2 if variant.late else rng.randint(0, 1)
    for sentence in variant.injections:
        filled = sentence.replace("{day}", day).replace("{city}", rng.choice(words.CITIES))
        paragraphs[position] = _insert_sentence(rng, paragraphs[position], filled)
        position = min(position + rng.randint(2, 3), count - 1)
    title = rng.choice(variant.titles).replace("{city}", rng.choice(words.CITIES))
    return Written(
        title=title,
        paragraphs=paragraphs,
        form=variant.form,
        language=variant.language,
        watchlists=set(variant.watchlists),
        near_miss=variant.near_miss,
        comment=variant.comment,
        link_word=variant.link_word,
    )


# --- The wire story -------------------------------------------------------------------------

WIRE_TITLE = "Mediators announce deal on next phase of Gaza ceasefire"
WIRE_TITLE_CHANGED = "Deal reached on second stage of Gaza ceasefire, mediators say"
WIRE_EN = (
    "Mediators said on {day} that negotiators had agreed the terms of the next phase of the "
    "Gaza ceasefire, including a timetable for further exchanges and an increase in aid "
    "deliveries.",
    "The announcement followed four days of talks in Cairo, during which delegations met "
    "separately with Egyptian and Qatari officials, according to two people briefed on the "
    "discussions.",
    "Under the terms described by the mediators, the number of aid lorries allowed into the "
    "territory each day would rise to 600, with fuel deliveries resuming within 48 hours.",
    "“This is a fragile but important step,” a spokesperson for the mediators told reporters "
    "in Cairo. “The coming days will show whether both sides are ready to honour what they "
    "have signed.”",
    "Humanitarian agencies welcomed the agreement but warned that roads, warehouses and water "
    "systems had been badly damaged and would take months to repair.",
    "The first phase of the truce, which began six weeks ago, has largely held, although both "
    "sides have reported violations.",
    "A technical committee is due to meet next week to agree maps and the sequence of "
    "withdrawals, officials said.",
    "Markets in the region reacted calmly to the news, with regional bond spreads narrowing "
    "slightly on {day} afternoon.",
    "Further details of the agreement are expected to be published once the text has been "
    "formally approved by all parties.",
)
WIRE_TITLE_AR = "الوسطاء يعلنون التوصل إلى اتفاق بشأن المرحلة التالية من وقف إطلاق النار في غزة"
WIRE_AR = (
    "قال الوسطاء يوم {day} إن المفاوضين اتفقوا على شروط المرحلة التالية من وقف إطلاق النار في "
    "غزة، بما في ذلك جدول زمني لعمليات تبادل إضافية وزيادة في شحنات المساعدات.",
    "وجاء الإعلان بعد أربعة أيام من المحادثات في القاهرة، التقت خلالها الوفود بشكل منفصل "
    "بمسؤولين مصريين وقطريين، وفقاً لشخصين اطلعا على المناقشات.",
    "وبموجب الشروط التي عرضها الوسطاء، سيرتفع عدد شاحنات المساعدات المسموح بدخولها إلى القطاع "
    "يومياً إلى 600 شاحنة، على أن تستأنف شحنات الوقود في غضون 48 ساعة.",
    "وقال متحدث باسم الوسطاء للصحفيين في القاهرة: «هذه خطوة هشة لكنها مهمة. وستظهر الأيام "
    "المقبلة ما إذا كان الطرفان مستعدين للوفاء بما وقّعا عليه».",
    "ورحبت وكالات الإغاثة الإنسانية بالاتفاق، لكنها حذرت من أن الطرق والمستودعات وشبكات المياه "
    "تضررت بشدة وسيستغرق إصلاحها شهوراً.",
    "وصمدت المرحلة الأولى من الهدنة، التي بدأت قبل ستة أسابيع، إلى حد كبير، رغم إبلاغ الطرفين "
    "عن خروقات.",
    "ومن المقرر أن تجتمع لجنة فنية الأسبوع المقبل للاتفاق على الخرائط وتسلسل عمليات الانسحاب، "
    "بحسب مسؤولين.",
    "وتفاعلت أسواق المنطقة بهدوء مع الأنباء، إذ تراجعت فروق عوائد السندات الإقليمية بشكل طفيف "
    "بعد ظهر يوم {day}.",
    "ومن المتوقع نشر مزيد من تفاصيل الاتفاق بعد المصادقة الرسمية على النص من جميع الأطراف.",
)
WIRE_AGENCY = "Presswire"

# Small edits that different desks make to the same wire copy; none touches a watch term.
COPY_EDITS = (
    ("said on", "told reporters on"),
    ("The announcement followed", "The announcement came after"),
    ("welcomed", "praised"),
    ("has largely held", "has mostly held"),
    ("is due to meet", "is expected to meet"),
    ("Further details", "More details"),
    ("reacted calmly", "reacted cautiously"),
    ("announced plans to", "unveiled plans to"),
    ("is expected to", "is likely to"),
    ("declined to comment", "would not comment"),
    ("did not respond to a request for comment", "could not be reached for comment"),
    ("Critics argue", "Opponents argue"),
    ("According to", "Citing"),
    ("In a statement,", "In a written statement,"),
)


def wire_paragraphs(weekday: int, language: str = "en") -> list[str]:
    day = words.WEEKDAYS_AR[weekday] if language == "ar" else words.WEEKDAYS[weekday]
    source = WIRE_AR if language == "ar" else WIRE_EN
    return [paragraph.replace("{day}", day) for paragraph in source]


def edit_copy(rng: random.Random, paragraphs: list[str], edits: int = 2) -> list[str]:
    """Apply a few of the desk edits that occur in the text (at least one change is made)."""
    joined = "\n\n".join(paragraphs)
    applicable = [pair for pair in COPY_EDITS if pair[0] in joined]
    rng.shuffle(applicable)
    for old, new in applicable[:edits]:
        joined = joined.replace(old, new, 1)
    if not applicable:
        joined = joined.replace(". ", ", officials said. ", 1)
    return joined.split("\n\n")


def dateline(city: str, paragraphs: list[str]) -> list[str]:
    """Wire copies often start with "CITY (Agency) — "."""
    first = f"{city.upper()} ({WIRE_AGENCY}) — {paragraphs[0]}"
    return [first, *paragraphs[1:]]


# --- Hard negatives for deduplication ------------------------------------------------------

_COMPANIES = (
    "Nordhavn Shipping",
    "Calder Foods",
    "Brightline Telecom",
    "Orla Pharmaceuticals",
    "Kestrel Energy",
    "Marrow & Finch",
    "Tessaro Steel",
    "Pinewood Retail",
)
_COMPANY_NEWS = (
    "raised its annual forecast",
    "announced a new chief executive",
    "won a large contract",
    "reported lower costs",
)
_DRIVERS = (
    ("energy shares rally", "oil prices rose for a third day"),
    ("bank shares slip", "investors worried about slowing loan growth"),
    ("retailers lead gains", "strong holiday sales figures lifted the sector"),
    ("miners weigh on index", "metal prices fell on weaker demand"),
)


def market_report(rng: random.Random, weekday: int, style: text.TextStyle) -> tuple[str, list[str]]:
    """One instance of the daily market report template (same template, different story)."""
    higher = rng.random() < 0.5
    short, reason = rng.choice(_DRIVERS)
    first, second, third = rng.sample(_COMPANIES, 3)
    pct = style.percent
    city = rng.choice(words.CITIES)
    day = words.WEEKDAYS[weekday]
    title = f"Stocks close {'higher' if higher else 'lower'} as {short}"
    paragraphs = [
        f"Shares in {city} closed {'higher' if higher else 'lower'} on {day}, with the "
        f"benchmark index {'rising' if higher else 'falling'} {rng.randint(1, 19) / 10}{pct} "
        f"to {rng.randint(6000, 9000):,} points as {reason}.",
        f"{first} was the biggest {'gainer' if higher else 'faller'}, "
        f"{'up' if higher else 'down'} {rng.randint(21, 89) / 10}{pct} after it "
        f"{rng.choice(_COMPANY_NEWS)}.",
        f"{second} {'rose' if higher else 'fell'} {rng.randint(5, 40) / 10}{pct}, while "
        f"{third} ended the session little changed.",
        f"Trading volumes were {'above' if rng.random() < 0.5 else 'below'} the 30-day "
        "average, according to exchange data.",
        f"In currency markets, the krone {'strengthened' if higher else 'weakened'} "
        f"{rng.randint(1, 9) / 10}{pct} against the dollar.",
        f"Government bond yields edged {'up' if higher else 'down'}, with the ten-year yield at "
        f"{rng.randint(250, 450) / 100}{pct}.",
        "Market reports are compiled from exchange data at the close of trading and may be "
        "revised.",
    ]
    return title, paragraphs


RAIL_QUOTE = (
    "“This line will change how people in both cities live and work, and it was delivered on "
    "time and on budget,” the transport minister, Ingrid Lindqvist, said at the opening "
    "ceremony."
)
RAIL_TITLES = (
    "New rail link opens between Bergen and Oslo",
    "Commuters welcome first trains on the Bergen–Oslo line",
)


def rail_story(
    rng: random.Random, variant: int, weekday: int, style: text.TextStyle
) -> tuple[str, list[str]]:
    """Two independent reports of one event; they share only the minister's quote."""
    paragraphs = [text.english_paragraph(rng, "politics", style, weekday) for _ in range(5)]
    opening = (
        "The first passenger trains ran on the new high-speed link on "
        f"{words.WEEKDAYS[weekday]}, cutting the journey to under three hours."
        if variant == 0
        else "Hundreds of commuters queued before dawn to board the first service on the new "
        "line, some carrying flags and flasks of coffee."
    )
    paragraphs.insert(0, opening)
    paragraphs.insert(2 + variant, RAIL_QUOTE)
    return RAIL_TITLES[variant], paragraphs


# --- Updates, private page, hostile pages ------------------------------------------------------

UPDATE_MENTIONS = {
    ("en", GAZA): "Officials later said the changes concerned the Gaza ceasefire talks.",
    ("en", RAFAH): "Officials later said the changes concerned traffic at the Rafah crossing.",
    ("ar", GAZA): "وقال مسؤولون لاحقاً إن التعديلات تتعلق بمحادثات وقف إطلاق النار في غزة.",
    ("ar", RAFAH): "وقال مسؤولون لاحقاً إن التعديلات تتعلق بحركة العبور في معبر رفح.",
}


def update_paragraph(language: str, revision: int, stamp: str) -> str:
    if language == "ar":
        return (
            f"تحديث رقم {revision} ({stamp} بتوقيت غرينتش): أضيفت إلى هذا التقرير معلومات "
            "جديدة من مسؤولين."
        )
    return (
        f"Update {revision} ({stamp} UTC): this article has been updated with new information "
        "from officials."
    )


PRIVATE_TITLE = "Members only: inside the Rafah crossing negotiations"
PRIVATE_PARAGRAPHS = (
    "This briefing is available to subscribers only and must not be indexed.",
    "Negotiators met late into the night to discuss opening hours at the Rafah crossing.",
    "Subscribers can read the full briefing in the members' area.",
)

# Served as windows-1252 bytes while the Content-Type header claims UTF-8.
CP1252_TITLE = "Café owners in Zürich count the cost of the rent rise"
CP1252_PARAGRAPHS = (
    "Owners of small cafés in Zürich say rents have risen by as much as 18% in two years, "
    "with some paying more than €4,000 a month for a room with twelve tables.",
    "“We’re not naïve — we knew the old lease was cheap,” said Zoë Brennan, who runs a café "
    "near the lake. “But nobody can sell enough coffee to cover this.”",
    "The city council said it would publish a review of commercial rents before the summer.",
    "Landlords’ associations argue that higher rents reflect the cost of renovations required "
    "by new energy rules.",
    "Several owners said they would cut opening hours rather than raise prices again.",
)
# Served as UTF-8 with no charset anywhere (header or meta).
NO_CHARSET_TITLE = "Café talk: border traders wait for news"
NO_CHARSET_PARAGRAPHS = (
    "At a small café near the market, traders said they had been waiting since dawn for news "
    "about the border.",
    "A handwritten sign in Arabic on the door read «معبر رفح مغلق اليوم», telling customers the "
    "border was shut for the day.",
    "Prices of flour and cooking gas rose again, shopkeepers said, and deliveries were "
    "arriving late.",
    "“Everyone asks me the same question,” said the owner, pouring thick coffee into small "
    "glasses. “I tell them I know as much as they do.”",
    "Officials said a decision on opening hours would be announced in the evening.",
)
# Served as UTF-8 while the header claims ISO-8859-1 (not an article of the ground truth:
# the HTTP header legitimately wins, so the "right" text is ambiguous).
LATIN1_TITLE = "المهرجان يعلن برنامج دورته الجديدة"
LATIN1_PARAGRAPHS = (
    "أعلنت إدارة المهرجان عن برنامج الدورة الجديدة الذي يضم أفلاماً من ثلاثين دولة.",
    "وقال مدير المهرجان إن الجمهور هو الحكم الأخير.",
)
OFFSITE_TITLE = "You followed a redirect to another host"
OFFSITE_PARAGRAPHS = (
    "This page lives on a different host name than the site that linked to it.",
    "A crawler restricted to its source's domain must never fetch it, or it would record this "
    "Gaza ceasefire mention as a new article.",
)
