"""Hand-written test texts for story linking (all fictional, written for presswatch's tests).

A wire story and the ways outlets change it, a rival report of the same event that shares its
quotes, a German translation, a templated market report, and short stories in scripts written
without spaces (Japanese, Chinese, Thai).
"""

from __future__ import annotations

import random

WIRE_TITLE = "Northport dock workers end nine-day strike after pay deal"
WIRE_PARAGRAPHS = [
    "Dock workers at the port of Northport voted on Tuesday to end a nine-day strike that had "
    "left more than forty container ships waiting at anchor, after the harbour authority agreed "
    "to raise night-shift pay by eleven percent over two years.",
    "The walkout, the longest at the port since the terminal was rebuilt, had stranded cargo "
    "worth an estimated 300 million crowns and forced two shipping lines to divert vessels to "
    "smaller harbours along the northern coast.",
    "\u201cThis agreement recognises the people who keep the cranes moving at three in the "
    "morning,\u201d said Ilse Marten, who chairs the dockers\u2019 branch of the transport union. "
    "\u201cNobody wanted this to last as long as it did.\u201d",
    "Members approved the deal by 812 votes to 143, the union said. The first crews were "
    "expected back on the quay by Wednesday evening, and the authority said it would take about "
    "a week to clear the queue of waiting ships.",
    "Harbour master Tomas Reijn said the backlog would be cleared ship by ship in the order of "
    "arrival, with perishable cargo given priority. \u201cWe will work around the clock until the "
    "anchorage is empty,\u201d he told reporters outside the terminal gate.",
    "Under the agreement, night-shift crews will also receive an extra rest day every fourth "
    "week, and a joint committee will review crane maintenance schedules that workers said had "
    "left them exposed to unsafe equipment.",
    "Business groups in the region welcomed the settlement but warned that the strike had "
    "already cost exporters contracts. The regional chamber of commerce said it would ask the "
    "government for a review of how port disputes are mediated.",
    "The transport ministry, which had offered to appoint a mediator last week, said it was "
    "pleased the two sides had reached an agreement on their own and that no further "
    "intervention was planned.",
]
WIRE_BODY = "\n\n".join(WIRE_PARAGRAPHS)

# The same story in German: a translation is another language, so another story.
WIRE_PARAGRAPHS_DE = [
    "Die Hafenarbeiter in Northport haben am Dienstag beschlossen, einen neuntägigen Streik zu "
    "beenden, nachdem die Hafenbehörde zugesagt hatte, die Nachtschichtzulage über zwei Jahre um "
    "elf Prozent anzuheben. Mehr als vierzig Containerschiffe hatten vor Anker gewartet.",
    "Der Ausstand, der längste seit dem Umbau des Terminals, hatte Fracht im geschätzten Wert von "
    "300 Millionen Kronen festgehalten und zwei Reedereien gezwungen, Schiffe in kleinere Häfen "
    "an der Nordküste umzuleiten.",
    "\u201eDiese Vereinbarung würdigt die Menschen, die um drei Uhr morgens die Kräne "
    "bewegen\u201c, sagte Ilse Marten, Vorsitzende der Hafenarbeitersektion der "
    "Verkehrsgewerkschaft.",
    "Die Mitglieder stimmten mit 812 zu 143 Stimmen zu. Die ersten Schichten sollten am "
    "Mittwochabend zurückkehren; die Behörde rechnet mit etwa einer Woche, bis alle wartenden "
    "Schiffe abgefertigt sind.",
    "Hafenmeister Tomas Reijn sagte, der Rückstau werde Schiff für Schiff in der Reihenfolge der "
    "Ankunft abgearbeitet, verderbliche Ware habe Vorrang.",
    "Nachtschichten erhalten außerdem alle vier Wochen einen zusätzlichen Ruhetag, und ein "
    "gemeinsamer Ausschuss soll die Wartungspläne der Kräne überprüfen.",
]
WIRE_BODY_DE = "\n\n".join(WIRE_PARAGRAPHS_DE)

# Another outlet's own report of the same event: the same two quotes, otherwise its own words.
RIVAL_BODY = "\n\n".join(
    [
        "Cranes at Northport were still idle on Tuesday night, but for the first time in more "
        "than a week the mood at the terminal gate was cheerful: the dockers had voted to go "
        "back to work.",
        "\u201cThis agreement recognises the people who keep the cranes moving at three in the "
        "morning,\u201d said Ilse Marten, who chairs the dockers\u2019 branch of the transport "
        "union. \u201cNobody wanted this to last as long as it did.\u201d",
        "For the fishing cooperatives on the east quay the strike was a mixed blessing. With the "
        "container lanes closed, their boats had the inner harbour to themselves, and several "
        "skippers said they had landed their catch faster than at any time this year.",
        "Shopkeepers along Harbour Street were less pleased. The bakery opposite the gate said "
        "its morning trade had halved, and a café owner described the past nine days as the "
        "quietest since the pandemic.",
        "\u201cWe will work around the clock until the anchorage is empty,\u201d harbour master "
        "Tomas Reijn told reporters outside the terminal gate.",
        "Economists at the regional university said the cost of the stoppage would show up in "
        "next quarter's export figures, though they expected most delayed cargo to be delivered "
        "rather than lost. Some retailers warned of gaps on shelves before the holidays.",
        "Union organisers said they would watch closely whether the promised review of crane "
        "maintenance leads to changes, and did not rule out further action in the spring if it "
        "does not.",
    ]
)

MARKET_TEMPLATE = (
    "Shares in {company} {moved} {pct} percent on {day} after the {sector} group reported "
    "quarterly revenue of {revenue} million crowns, {versus} the {consensus} million analysts had "
    "expected. Chief executive {ceo} said demand in {region} had been {demand} during the quarter "
    "and that the company would {plan} its forecast for the full year.\n\n"
    "The results came as the wider market {market} {index_move} percent, with {peer} and {peer2} "
    "among the {direction} performers. Trading volume in {company} was about {volume} times its "
    "thirty-day average, according to exchange data.\n\n"
    "{company} is due to hold its annual meeting in {month}, when shareholders will vote on a "
    "proposed dividend of {dividend} crowns per share."
)
MARKET_VALUES = {
    "company": [
        "Veldt Systems",
        "Oravia Foods",
        "Kestrel Mining",
        "Brightwater Energy",
        "Lumen Rail",
    ],
    "moved": ["rose", "fell", "jumped", "slipped"],
    "pct": ["2.1", "4.8", "7.3", "1.2", "9.6"],
    "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "sector": ["software", "food", "mining", "utility", "rail"],
    "revenue": ["812", "1,340", "276", "3,905", "640"],
    "versus": ["ahead of", "short of", "in line with"],
    "consensus": ["790", "1,410", "300", "3,700", "655"],
    "ceo": ["Mara Lind", "Ove Castell", "Priya Nandan", "Joost Alder", "Ruth Okafor"],
    "region": ["the north", "export markets", "the home market", "the eastern provinces"],
    "demand": ["stronger than expected", "weak", "steady", "uneven"],
    "plan": ["keep", "raise", "cut", "review"],
    "market": ["index", "benchmark index", "broader index"],
    "index_move": ["rose 0.4", "fell 0.7", "gained 1.1", "lost 0.2"],
    "peer": ["Halden Bank", "Norrvik Steel", "Cobalt Media", "Fjell Telecom"],
    "peer2": ["Osterby Paper", "Granit Insurance", "Vale Shipping", "Tarn Chemicals"],
    "direction": ["best", "worst", "strongest", "weakest"],
    "volume": ["three", "four", "two", "six"],
    "month": ["March", "April", "May", "June"],
    "dividend": ["4.50", "2.10", "0.80", "6.00"],
}


def market_report(seed: int) -> str:
    """One filled-in market report; two seeds give two different stories from one template."""
    rng = random.Random(seed)
    chosen = {slot: rng.choice(values) for slot, values in MARKET_VALUES.items()}
    return MARKET_TEMPLATE.format(**chosen)


JAPANESE_BODY = (
    "北港市の港湾労働者は火曜日、九日間続いたストライキを終えることを決めた。"
    "港湾当局が夜勤手当を二年間で十一パーセント引き上げることに同意したためだ。"
    "沖合では四十隻を超えるコンテナ船が入港を待っていた。"
    "労働組合の代表は、深夜にクレーンを動かす人々の仕事が認められたと述べた。"
    "当局によると、待機している船の荷役がすべて終わるまでには約一週間かかる見込みだという。"
    "地元の商工会議所は合意を歓迎する一方、輸出企業がすでに契約を失ったと指摘した。"
)
JAPANESE_OTHER_BODY = (
    "南川町の図書館は来月から開館時間を延長し、平日は午後九時まで利用できるようになる。"
    "町によると、仕事帰りの利用者から要望が多く寄せられていたという。"
    "新たに学習室を二部屋設け、高校生が試験前に使えるようにする。"
    "館長は、地域の人々が集まる場所として図書館を育てていきたいと話した。"
    "改修費用の一部は町民からの寄付でまかなわれた。"
)
CHINESE_BODY = (
    "北港市码头工人星期二投票决定结束持续九天的罢工。港务局同意在两年内将夜班津贴提高百分之十一。"
    "罢工期间，四十多艘集装箱船在港外锚地等待。工会负责人表示，这项协议肯定了凌晨操作起重机的工人的付出。"
    "港务局估计，清理等待的船只大约需要一周时间。当地商会欢迎这一协议，但指出出口企业已经失去了一些合同。"
)
THAI_BODY = (
    "คนงานท่าเรือนอร์ทพอร์ตลงมติเมื่อวันอังคารให้ยุติการนัดหยุดงานที่ยืดเยื้อมาเก้าวัน "
    "หลังจากการท่าเรือตกลงขึ้นค่าเบี้ยเลี้ยงกะกลางคืนร้อยละสิบเอ็ดภายในสองปี "
    "ระหว่างการนัดหยุดงานมีเรือคอนเทนเนอร์มากกว่าสี่สิบลำจอดรออยู่นอกท่า "
    "การท่าเรือคาดว่าจะใช้เวลาประมาณหนึ่งสัปดาห์ในการขนถ่ายสินค้าจากเรือที่รออยู่ทั้งหมด"
)
THAI_OTHER_BODY = (
    "ห้องสมุดประจำอำเภอจะขยายเวลาเปิดให้บริการถึงสามทุ่มในวันธรรมดาตั้งแต่เดือนหน้า "
    "ผู้อำนวยการห้องสมุดกล่าวว่ามีผู้ใช้บริการจำนวนมากขอให้เปิดนานขึ้นหลังเลิกงาน "
    "ห้องสมุดจะเพิ่มห้องอ่านหนังสือสำหรับนักเรียนอีกสองห้องในช่วงสอบ"
)

_FILLER_WORDS = [
    "council",
    "budget",
    "river",
    "bridge",
    "station",
    "school",
    "hospital",
    "harvest",
    "weather",
    "museum",
    "festival",
    "election",
    "court",
    "ferry",
    "airport",
    "library",
    "concert",
    "stadium",
    "market",
    "bakery",
    "tunnel",
    "forest",
    "glacier",
    "satellite",
    "vaccine",
    "orchestra",
    "theatre",
    "highway",
    "reservoir",
    "vineyard",
    "lighthouse",
    "harbour",
    "village",
    "mayor",
    "minister",
    "teacher",
    "farmer",
    "nurse",
    "pilot",
    "judge",
    "engineer",
    "driver",
    "chef",
    "poet",
    "sailor",
    "miner",
    "announced",
    "delayed",
    "approved",
    "rejected",
    "opened",
    "closed",
    "repaired",
    "expanded",
    "reduced",
    "restored",
    "visited",
    "celebrated",
    "measured",
    "recorded",
    "planned",
    "debated",
    "funded",
    "protested",
    "welcomed",
    "criticised",
    "north",
    "south",
    "east",
    "west",
    "early",
    "late",
    "quiet",
    "busy",
    "heavy",
    "light",
    "ancient",
    "modern",
    "rural",
    "coastal",
    "seven",
    "twelve",
    "hundred",
    "thousand",
    "million",
    "Monday",
    "Friday",
    "spring",
    "autumn",
    "winter",
    "summer",
]


def filler_story(seed: int, paragraphs: int = 6, words_per_paragraph: int = 45) -> str:
    """An unrelated story of random words: shares almost no word triples with any other seed."""
    rng = random.Random(seed)
    return "\n\n".join(
        " ".join(rng.choice(_FILLER_WORDS) for _ in range(words_per_paragraph)).capitalize() + "."
        for _ in range(paragraphs)
    )
