"""What every blind fixture template shares: stories, displayed times and counts with their truth.

A template is a function of a :class:`Site` (base URL, capture reference time, timezone,
language, stories) that fills ``site.pages`` with :class:`Page` objects: the bytes served at a
path and the ground truth of that page. Nothing here knows how the extractor works; every value
is the one a person reading the page would take from it:

* a displayed count is what it says ("12.3K views" is 12,300; "1 234 просмотров" is 1,234);
* a displayed time with a date or a clock is an instant in the site's timezone; without a
  profile and without any machine-readable time on the page a reader cannot know that zone, so
  the truth also carries the reading in UTC (``published_at_if_utc``), the documented rule for
  that case (README, *Site profiles*);
* a relative time ("3 hours ago", "vor 12 Min.", "5 минут назад") means the capture time minus
  that much: its truth is ``published_ago`` seconds, resolved against the item's ``fetched_at``.

The text is made up here, from sentence patterns filled with made-up names and places.
"""

from __future__ import annotations

import html
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

E = html.escape

# --- made-up text ---------------------------------------------------------------------------------

EN_SENTENCES = [
    "The {org} voted {n} to 2 on {day} to send the proposal back for another round of review",
    "{person} said the decision came after months of complaints from residents of {place}",
    "Crews from the {org} spent most of the weekend clearing debris from the roads near {place}",
    "The cost of the project has risen to about {n} million dollars since it was first announced",
    "Parents who spoke at the hearing asked why the bus routes through {place} were cut",
    "{person} told reporters the timeline depended on how quickly the permits were approved",
    "A spokeswoman for the {org} declined to comment on the dispute, citing the pending lawsuit",
    "Local businesses in {place} reported fewer customers during the weeks of construction",
    "The report recommends hiring {n} more inspectors before the end of the next fiscal year",
    "Members of the {org} were divided over whether to raise fees or postpone the repairs",
    "{person} has lived in {place} for three decades and said she had never seen water that high",
    "State officials are expected to release their own figures for {place} early next month",
    "The vote followed a heated public comment period that stretched past midnight",
    "Under the plan, the old warehouse on the east side of {place} would become housing",
    "Opponents collected more than {n} hundred signatures asking for the plan to be put to voters",
    "The {org} said it would hold two more open meetings before making a final recommendation",
    "{person} praised the volunteers who kept the shelter in {place} open through the storm",
    "An independent audit found that {n} percent of the grant money had not been spent",
    "The new schedule takes effect in January and adds early morning trains on weekdays",
    "Farmers around {place} said the dry autumn had left the soil harder than in most years",
    "Police said no one was hurt but that the intersection would stay closed until evening",
    "The proposal now goes to the {org}, which is expected to take it up at its next session",
    "{person} said the district had underestimated how many families would move to {place}",
    "Engineers plan to test the water pressure in {place} again after the new pumps are fitted",
]
DE_SENTENCES = [
    "Der {org} stimmte am {day} mit {n} zu 3 Stimmen für eine weitere Prüfung des Vorhabens",
    "{person} sagte, die Entscheidung sei nach monatelangen Beschwerden aus {place} gefallen",
    "Die Kosten des Projekts sind inzwischen auf rund {n} Millionen Euro gestiegen",
    "Eltern fragten bei der Anhörung, warum die Buslinie nach {place} gestrichen wurde",
    "Nach Angaben des {org} sollen bis zum Frühjahr {n} neue Stellen geschaffen werden",
    "{person} rechnet damit, dass die Genehmigungen noch einige Wochen auf sich warten lassen",
    "Händler in {place} berichten von deutlich weniger Kundschaft während der Bauarbeiten",
    "Ein Sprecher des {org} wollte sich zu dem laufenden Verfahren nicht äußern",
    "Die Gegner des Plans haben mehr als {n} hundert Unterschriften gesammelt",
    "In der alten Lagerhalle am Ortsrand von {place} sollen künftig Wohnungen entstehen",
    "Die Feuerwehr war mit {n} Einsatzkräften bis in die Nacht vor Ort",
    "{person} lobte die Ehrenamtlichen, die den Treffpunkt in {place} offen gehalten haben",
    "Der neue Fahrplan gilt ab Januar und bringt zusätzliche Züge am frühen Morgen",
    "Landwirte rund um {place} klagen über den trockenen Herbst und harte Böden",
    "Verletzt wurde nach Angaben der Polizei niemand, die Kreuzung blieb bis zum Abend gesperrt",
    "Über den Antrag entscheidet nun der {org} in seiner nächsten Sitzung",
]
RU_SENTENCES = [
    "Депутаты {org} проголосовали {n} голосами за то чтобы вернуть проект на доработку",
    "{person} заявил что решение принято после многомесячных жалоб жителей района {place}",
    "Стоимость работ за год выросла примерно до {n} миллионов рублей",
    "Родители на слушаниях спрашивали почему отменили автобусный маршрут до {place}",
    "В {org} пообещали до весны открыть {n} новых вакансий для инспекторов",
    "{person} считает что разрешения на строительство придется ждать еще несколько недель",
    "Предприниматели из {place} жалуются что покупателей стало заметно меньше",
    "В пресс-службе {org} отказались комментировать ход судебного разбирательства",
    "Противники проекта собрали более {n} сотен подписей за проведение референдума",
    "На месте старого склада на окраине района {place} планируют построить жилой дом",
    "Пожарные работали на месте до поздней ночи, к тушению привлекли {n} человек",
    "{person} поблагодарил волонтеров которые помогали жителям района {place} во время шторма",
    "Новое расписание электричек начнет действовать в январе",
    "Фермеры в районе {place} говорят что сухая осень сильно повредила озимые",
    "По данным полиции никто не пострадал, перекресток был перекрыт до вечера",
    "Окончательное решение по проекту примет {org} на ближайшем заседании",
]
JA_SENTENCES = [
    "{org}は{day}、計画を見直す方針を明らかにした",
    "{person}によると、{place}周辺では今月に入って同様の被害が{n}件相次いでいる",
    "事業費は当初の見込みを上回り、約{n}億円に膨らむ見通しだ",
    "{place}の住民からは「説明が足りない」との声が上がっている",
    "{org}は来年度までに職員を{n}人増やす計画を示した",
    "{person}は記者団に対し「できるだけ早く結論を出したい」と述べた",
    "現場は{place}の住宅街で、近くには小学校や病院がある",
    "{org}の担当者は「詳しい原因を調べている」と話した",
    "反対する住民グループは{n}00人分を超える署名を集めた",
    "{place}では朝から冷たい雨が降り、最高気温は平年を下回った",
    "警察によると、けが人はおらず、道路は夕方まで通行止めになった",
    "新しいダイヤは来年1月から適用され、早朝の便が増える",
    "{person}は、ボランティアの協力に感謝の言葉を述べた",
    "{org}は次回の会合で最終的な判断を示す予定だ",
    "地元の商店街では、工事の影響で客足が遠のいているという",
    "{place}の農家は、雨の少ない秋で土が固くなったと嘆く",
]
AR_SENTENCES = [
    "صوت أعضاء {org} يوم {day} بأغلبية {n} صوتا لصالح إعادة دراسة المشروع",
    "وبحسب {person} فإن القرار جاء بعد شكاوى متكررة من سكان {place}",
    "وارتفعت تكلفة المشروع إلى نحو {n} مليون جنيه منذ الإعلان عنه",
    "وتساءل أولياء الأمور خلال الجلسة عن أسباب إلغاء خط الحافلات إلى {place}",
    "وأعلن {org} عن خطة لتعيين {n} مفتشا جديدا قبل نهاية العام المالي",
    "ونقلت مصادر عن {person} أن الجدول الزمني يتوقف على سرعة إصدار التصاريح",
    "ورفض متحدث باسم {org} التعليق على النزاع بسبب الدعوى القضائية المنظورة",
    "وأفاد أصحاب المحال التجارية في {place} بتراجع عدد الزبائن خلال أسابيع الأعمال",
    "وجمع معارضو الخطة أكثر من {n} ألف توقيع للمطالبة بطرحها في استفتاء",
    "ومن المقرر تحويل المخزن القديم في شرق {place} إلى وحدات سكنية",
    "وأكدت الشرطة عدم وقوع إصابات وأن التقاطع سيبقى مغلقا حتى المساء",
    "ويبدأ العمل بالجدول الجديد في يناير مع إضافة قطارات في الصباح الباكر",
    "وأشاد {person} بالمتطوعين الذين أبقوا المأوى في {place} مفتوحا طوال العاصفة",
    "ويشكو المزارعون في {place} من جفاف الخريف وصلابة التربة",
    "وسيعرض المقترح على {org} في جلسته المقبلة لاتخاذ القرار النهائي",
    "وكشف تدقيق مستقل أن {n} في المئة من أموال المنحة لم تصرف بعد",
]
ES_SENTENCES = [
    "El {org} votó el {day} por {n} votos a 3 devolver el proyecto a comisión",
    "{person} dijo que la decisión llegó tras meses de reclamos de los vecinos de {place}",
    "El costo de la obra ya supera los {n} millones de pesos desde que fue anunciada",
    "Los padres preguntaron en la audiencia por qué se eliminó la línea de colectivos a {place}",
    "Según el {org}, antes de fin de año se sumarán {n} inspectores nuevos",
    "{person} explicó que los plazos dependen de la rapidez con que se aprueben los permisos",
    "Un vocero del {org} evitó hacer comentarios sobre la causa judicial en curso",
    "Los comerciantes de {place} aseguran que las ventas cayeron durante las semanas de obra",
    "Los vecinos que se oponen al plan juntaron más de {n} mil firmas para pedir una consulta",
    "En el viejo galpón del extremo este de {place} se construirán viviendas",
    "Los bomberos trabajaron hasta la madrugada con {n} dotaciones en el lugar",
    "{person} agradeció a los voluntarios que mantuvieron abierto el refugio de {place}",
    "El nuevo cronograma rige desde enero y suma trenes temprano por la mañana",
    "Los productores de {place} advierten que la seca dejó el suelo más duro que otros años",
    "Según la Policía no hubo heridos, pero la esquina permaneció cortada hasta la tarde",
    "La propuesta será tratada por el {org} en su próxima sesión",
]
KO_SENTENCES = [
    "{org} 측은 {day} 회의에서 찬성 {n}표로 사업 재검토를 결정했다",
    "{person}에 따르면 이번 결정은 {place} 주민들의 민원이 수개월째 이어진 끝에 나왔다",
    "사업비는 처음 발표 당시보다 늘어 약 {n}억 원에 이를 전망이다",
    "학부모들은 공청회에서 {place} 방면 버스 노선이 폐지된 이유를 따져 물었다",
    "{org} 측은 내년 말까지 점검 인력을 {n}명 늘리겠다고 밝혔다",
    "{person}에 따르면 일정은 인허가 절차가 얼마나 빨리 끝나느냐에 달려 있다",
    "{org} 관계자는 진행 중인 소송을 이유로 언급을 피했다",
    "{place} 지역 상인들은 공사 기간 손님이 눈에 띄게 줄었다고 호소했다",
    "계획에 반대하는 주민들은 {n}천 명이 넘는 서명을 모았다",
    "{place} 동쪽의 낡은 창고 부지에는 공동주택이 들어설 예정이다",
    "소방당국은 인력 {n}명을 투입해 밤늦게까지 현장을 수습했다",
    "{person}에 따르면 자원봉사자들이 폭풍 내내 {place} 대피소를 지켰다",
    "새 시간표는 내년 1월부터 적용되며 이른 아침 열차가 늘어난다",
    "{place} 일대 농민들은 가을 가뭄으로 땅이 유난히 굳었다고 말했다",
    "경찰은 다친 사람은 없으며 교차로 통행이 저녁까지 통제됐다고 밝혔다",
    "이 안건은 {org} 측의 다음 회의에서 최종 결정될 예정이다",
]
TR_SENTENCES = [
    "{org} yetkilileri {day} günü yaptıkları açıklamada projenin yeniden inceleneceğini söyledi",
    "{person} açıklamasında kararın {place} sakinlerinin aylardır süren şikayetleri üzerine "
    "alındığını belirtti",
    "Projenin maliyeti ilk açıklandığı günden bu yana yaklaşık {n} milyon liraya yükseldi",
    "Veliler toplantıda {place} hattındaki otobüs seferlerinin neden kaldırıldığını sordu",
    "{org} yetkilileri yıl sonuna kadar {n} yeni denetçi alınacağını açıkladı",
    "{person} açıklamasında takvimin izinlerin ne kadar hızlı çıkacağına bağlı olduğunu söyledi",
    "{org} sözcüsü süren dava nedeniyle konu hakkında yorum yapmadı",
    "{place} ilçesindeki esnaf, çalışmalar boyunca müşteri sayısının belirgin biçimde azaldığını "
    "anlattı",
    "Plana karşı çıkan mahalle sakinleri {n} binden fazla imza topladı",
    "{place} ilçesinin doğusundaki eski depo binası konuta dönüştürülecek",
    "İtfaiye ekipleri {n} araçla gece yarısına kadar bölgede çalıştı",
    "{person} açıklamasında fırtına boyunca sığınma evini açık tutan gönüllülere teşekkür etti",
    "Yeni sefer tarifesi ocak ayında yürürlüğe girecek ve sabah erken saatlere ek seferler "
    "konulacak",
    "{place} ilçesindeki çiftçiler kurak geçen sonbaharın toprağı sertleştirdiğini söylüyor",
    "Polis yaptığı açıklamada yaralanan olmadığını, kavşağın akşama kadar trafiğe kapalı "
    "kalacağını bildirdi",
    "Teklif {org} yetkililerinin katılacağı bir sonraki toplantıda ele alınacak",
]
PT_SENTENCES = [
    "O {org} aprovou na {day} por {n} votos a 3 a revisão do projeto",
    "{person} afirmou que a decisão veio após meses de reclamações dos moradores de {place}",
    "O custo da obra já chega a cerca de {n} milhões de reais desde o anúncio",
    "Os pais perguntaram na audiência por que a linha de ônibus para {place} foi cortada",
    "Segundo o {org}, {n} novos fiscais serão contratados até o fim do ano",
    "{person} explicou que o prazo depende da rapidez na liberação das licenças",
    "Um porta-voz do {org} não quis comentar o processo em andamento",
    "Comerciantes de {place} dizem que as vendas caíram durante as semanas de obras",
    "Moradores contrários ao plano reuniram mais de {n} mil assinaturas",
    "O antigo galpão na zona leste de {place} vai dar lugar a moradias populares",
    "Os bombeiros trabalharam até a madrugada com {n} viaturas no local",
    "{person} agradeceu aos voluntários que mantiveram o abrigo de {place} aberto no temporal",
    "A nova grade de horários começa a valer em janeiro com mais trens no início da manhã",
    "Produtores de {place} afirmam que a seca deixou o solo mais duro do que em outros anos",
    "Segundo a Polícia Militar ninguém ficou ferido, mas o cruzamento ficou interditado até a noite",
    "A proposta será analisada pelo {org} na próxima sessão",
]
FR_SENTENCES = [
    "Le {org} a voté {day} par {n} voix contre 3 le renvoi du projet en commission",
    "{person} a expliqué que la décision faisait suite à des mois de plaintes des habitants de {place}",
    "Le coût du chantier atteint désormais près de {n} millions d'euros",
    "Des parents ont demandé pourquoi la ligne de bus vers {place} avait été supprimée",
    "Selon le {org}, {n} inspecteurs supplémentaires seront recrutés d'ici la fin de l'année",
    "{person} a précisé que le calendrier dépendait de la délivrance des permis",
    "Un porte-parole du {org} n'a pas souhaité commenter la procédure en cours",
    "Les commerçants de {place} disent avoir perdu des clients pendant les travaux",
    "Les opposants au projet ont recueilli plus de {n}00 signatures",
    "L'ancien entrepôt situé à l'est de {place} doit être transformé en logements",
    "Les pompiers sont restés sur place jusque tard dans la nuit avec {n} véhicules",
    "{person} a salué les bénévoles qui ont gardé le gymnase de {place} ouvert pendant la tempête",
    "Les nouveaux horaires entrent en vigueur en janvier avec des trains plus tôt le matin",
    "Les agriculteurs de {place} se plaignent d'un automne trop sec",
    "Selon la gendarmerie, personne n'a été blessé mais le carrefour est resté fermé jusqu'au soir",
    "Le dossier sera examiné par le {org} lors de sa prochaine séance",
]
IT_SENTENCES = [
    "Il {org} ha votato {day} con {n} voti favorevoli il rinvio del progetto in commissione",
    "{person} ha spiegato che la decisione è arrivata dopo mesi di proteste dei residenti di {place}",
    "Il costo dei lavori è salito a circa {n} milioni di euro dall'annuncio",
    "I genitori hanno chiesto perché sia stata soppressa la linea di autobus per {place}",
    "Secondo il {org}, entro la fine dell'anno saranno assunti {n} nuovi ispettori",
    "{person} ha precisato che i tempi dipendono dal rilascio dei permessi",
    "Un portavoce del {org} non ha voluto commentare il procedimento in corso",
    "I commercianti di {place} lamentano un calo dei clienti durante i cantieri",
    "I contrari al progetto hanno raccolto oltre {n} mila firme",
    "Nell'ex magazzino nella zona est di {place} sorgeranno nuovi alloggi",
    "I vigili del fuoco sono rimasti sul posto fino a notte fonda con {n} mezzi",
    "{person} ha ringraziato i volontari che hanno tenuto aperta la palestra di {place}",
    "Il nuovo orario entra in vigore a gennaio con più treni al mattino presto",
    "Gli agricoltori di {place} denunciano un autunno troppo secco",
    "Secondo i carabinieri nessuno è rimasto ferito, ma l'incrocio è rimasto chiuso fino a sera",
    "La proposta sarà esaminata dal {org} nella prossima seduta",
]
SENTENCES = {
    "pt": PT_SENTENCES, "fr": FR_SENTENCES, "it": IT_SENTENCES,
    "en": EN_SENTENCES, "de": DE_SENTENCES, "ru": RU_SENTENCES, "ja": JA_SENTENCES,
    "ar": AR_SENTENCES, "es": ES_SENTENCES, "ko": KO_SENTENCES, "tr": TR_SENTENCES,
}  # fmt: skip
FILLERS: dict[str, dict[str, list[str]]] = {
    "en": {
        "org": ["county board", "school board", "water authority", "planning commission",
                "transit agency", "city council", "parks department", "port authority"],
        "person": ["Marla Jennings", "Dev Okafor", "Ruth Albrecht", "Sam Whitcombe",
                   "Lena Marsh", "Hector Ruiz", "Noor Haddad", "Carl Pettersen"],
        "place": ["Cedar Flats", "North Harlow", "Pine Hollow", "Brookside", "Millbank",
                  "Larkspur Heights", "Old Quarry Road", "the Riverside ward"],
        "day": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    },
    "de": {
        "org": ["Gemeinderat", "Kreistag", "Zweckverband", "Stadtwerke", "Ortsbeirat",
                "Bauausschuss"],
        "person": ["Bürgermeisterin Karin Vogt", "Landrat Peter Hollmann", "Jana Brückner",
                   "Stefan Ohlendorf", "Miriam Kessler", "Tobias Rauch"],
        "place": ["Oberlinden", "Hasenbühl", "Niederwalden", "Kirchbrunn", "Talheim",
                  "Steinach"],
        "day": ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag"],
    },
    "ru": {
        "org": ["городской думы", "краевого правительства", "мэрии", "Водоканала",
                "комитета по транспорту", "районной администрации"],
        "person": ["Глава района Сергей Лапин", "Ольга Гребнева", "Депутат Андрей Сомов",
                   "Наталья Кузьмина", "Виктор Бажов", "Ирина Ломова"],
        "place": ["Садгород", "Чуркин", "Эгершельд", "Снеговая падь", "Океанская",
                  "Трудовое"],
        "day": ["понедельник", "вторник", "среду", "четверг", "пятницу"],
    },
    "ja": {
        "org": ["市議会", "県教育委員会", "水道局", "国土交通省", "市交通局", "区役所"],
        "person": ["田中一郎市長", "県の佐々木由美部長", "中村健太さん", "山本真理子さん",
                   "鈴木大輔議員", "小林美穂さん"],
        "place": ["港北地区", "川西町", "桜ケ丘", "北浜", "緑区", "青葉台"],
        "day": ["1日", "2日", "月曜日", "火曜日", "水曜日"],
    },
    "ar": {
        "org": ["مجلس المدينة", "مجلس النواب", "هيئة مياه الشرب", "وزارة النقل",
                "محافظة الجيزة", "هيئة السكك الحديدية"],
        "person": ["اللواء أحمد راشد", "الدكتور محمود عبد الحميد", "المهندس طارق فؤاد",
                   "النائب خالد منصور", "الدكتور حسام الدين فهمي", "المستشار عمرو سليمان"],
        "place": ["حي الدقي", "مدينة نصر", "شبرا الخيمة", "حلوان", "المعادي", "إمبابة"],
        "day": ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الأحد"],
    },
    "es": {
        "org": ["Concejo Deliberante", "Ministerio de Transporte", "municipio",
                "gobierno porteño", "ente regulador", "Consejo Escolar"],
        "person": ["el intendente Martín Sosa", "la ministra Lucía Ferreyra",
                   "Carolina Benítez", "Diego Albornoz", "la concejala Paula Iriarte",
                   "Gustavo Medina"],
        "place": ["Villa Urquiza", "Lanús", "Quilmes Oeste", "Barracas", "San Isidro",
                  "Caballito"],
        "day": ["lunes", "martes", "miércoles", "jueves", "viernes"],
    },
    "ko": {
        "org": ["시의회", "교육청", "상수도사업본부", "국토교통부", "구청", "도시철도공사"],
        "person": ["김정훈 시장", "박수진 대변인", "이동욱 의원", "최은영 교수", "정민호 위원장",
                   "한지민 팀장"],
        "place": ["해운대", "수성구", "분당", "일산", "송도", "광산구"],
        "day": ["월요일", "화요일", "수요일", "목요일", "금요일"],
    },
    "tr": {
        "org": ["Belediye Meclisi", "İl Milli Eğitim Müdürlüğü", "İSKİ", "Ulaştırma Bakanlığı",
                "Büyükşehir Belediyesi", "Valilik"],
        "person": ["Belediye Başkanı Murat Aydın", "Vali Yardımcısı Selin Kaya",
                   "Mahalle muhtarı Hasan Çelik", "Esnaf Odası Başkanı Emre Şahin",
                   "Meclis üyesi Zeynep Arslan", "Mühendis Burak Öztürk"],
        "place": ["Kadıköy", "Bornova", "Çankaya", "Nilüfer", "Karşıyaka", "Üsküdar"],
        "day": ["pazartesi", "salı", "çarşamba", "perşembe", "cuma"],
    },
    "pt": {
        "org": ["Conselho Municipal", "Ministério dos Transportes", "governo estadual",
                "Tribunal de Contas", "Metrô", "sindicato dos rodoviários"],
        "person": ["o prefeito Paulo Tavares", "a secretária Juliana Prado", "Fernanda Ribeiro",
                   "Marcos Vinícius Alves", "a vereadora Camila Rocha", "Roberto Siqueira"],
        "place": ["Itaquera", "Pinheiros", "Santo Amaro", "Vila Mariana", "Osasco", "Guarulhos"],
        "day": ["segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira"],
    },
    "fr": {
        "org": ["conseil municipal", "conseil départemental", "syndicat des eaux",
                "ministère des Transports", "rectorat", "conseil régional"],
        "person": ["le maire Philippe Garnier", "la préfète Hélène Marchal", "Sandrine Lefort",
                   "Julien Barreau", "l'adjointe Claire Vasseur", "Thierry Mounier"],
        "place": ["Saint-Médard", "Pessac", "Mérignac", "Bègles", "Talence", "Cenon"],
        "day": ["lundi", "mardi", "mercredi", "jeudi", "vendredi"],
    },
    "it": {
        "org": ["consiglio comunale", "consiglio regionale", "consorzio idrico",
                "ministero dei Trasporti", "provveditorato", "comitato di quartiere"],
        "person": ["il sindaco Alberto Conti", "l'assessora Paola Greco", "Giulia Ferri",
                   "Marco Bellini", "la consigliera Sara Romano", "Davide Esposito"],
        "place": ["Vomero", "Posillipo", "Fuorigrotta", "Pozzuoli", "Portici", "Bagnoli"],
        "day": ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì"],
    },
}  # fmt: skip
#: How sentences end and join, where it is not ". " (Japanese: "。", no space).
_FULL_STOP = {"ja": "。"}


_ASCII = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "á": "a", "í": "i",
     "ó": "o", "ú": "u", "ñ": "n", "ç": "c", "ã": "a", "õ": "o", "ê": "e", "â": "a", "ô": "o",
     "à": "a"}
)  # fmt: skip


def slug(title: str, words: int = 7) -> str:
    """A URL slug: the first ``words`` words of ``title``, lower case ASCII letters and digits
    (umlauts spelled out, as German sites do)."""
    spelled = title.lower().translate(_ASCII)
    kept = ["".join(ch for ch in w if ch.isascii() and ch.isalnum()) for w in spelled.split()]
    return "-".join(w for w in kept if w)[: 6 * words].strip("-") or "story"


def prose(rng: random.Random, lang: str, sentences: int) -> str:
    """A paragraph of ``sentences`` made-up sentences."""
    bank = SENTENCES[lang]
    fill = FILLERS[lang]
    out = []
    for pattern in rng.sample(bank, sentences):
        values = {key: rng.choice(options) for key, options in fill.items()}
        values["n"] = str(rng.randint(4, 95))
        sentence = pattern.format(**values)
        out.append(sentence[:1].upper() + sentence[1:])
    stop = _FULL_STOP.get(lang)
    return stop.join(out) + stop if stop else ". ".join(out) + "."


# --- stories --------------------------------------------------------------------------------------


@dataclass
class Story:
    """One article of a site: what every page that shows or links to it needs."""

    key: str
    path: str
    title: str
    section: str
    authors: list[str]
    published: datetime
    lead: str
    paragraphs: list[str]
    views: int
    image: str
    modified: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Page:
    """One served page and its truth."""

    path: str
    body: bytes
    content_type: str
    truth: dict[str, Any]


@dataclass
class Site:
    """A blind fixture site: filled in by its template (:func:`Site.add`)."""

    name: str
    base: str
    now: datetime
    tz: tzinfo
    lang: str
    stories: list[Story] = field(default_factory=list)
    pages: dict[str, Page] = field(default_factory=dict)
    start_paths: list[str] = field(default_factory=lambda: ["/"])
    robots: str = "User-agent: *\nAllow: /\n"

    def url(self, path: str) -> str:
        return self.base + path

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    def newest(self, section: str | None = None) -> list[Story]:
        """The stories (of ``section``, or all), newest first."""
        chosen = (s for s in self.stories if section is None or s.section == section)
        return sorted(chosen, key=lambda s: s.published, reverse=True)

    def most_read(self, n: int = 5) -> list[Story]:
        """The ``n`` most viewed stories, most viewed first."""
        return sorted(self.stories, key=lambda s: -s.views)[:n]

    def add(
        self,
        path: str,
        document: str,
        page_type: str,
        items: list[dict[str, Any]],
        *,
        story: Story | None = None,
        body: list[str] | None = None,
        charset: str = "utf-8",
        content_type: str | None = None,
        published_shown_zone: bool = True,
        published_if_utc: datetime | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Serve ``document`` at ``path`` with its truth.

        ``page_type`` is ``article``, ``listing`` or ``other``. For an article, ``story`` gives
        title, authors and published time and ``body`` the paragraphs (default: the story's).
        ``published_shown_zone`` says whether a reader can tell the article's zone from the page
        (a machine-readable time with offset, or a zone named beside the displayed time); if not,
        the expected published time without a profile is the UTC reading (``published_if_utc``,
        by default the wall clock read as UTC).
        """
        data = document.encode(charset, "xmlcharrefreplace")
        lowered = document.lower()
        tz_on_page = any(m in lowered for m in ('datetime="', '"datepublished"', "published_time"))
        truth: dict[str, Any] = {
            "page_type": page_type,
            "is_article": page_type == "article",
            "url": self.url(path),
            "tz_on_page": tz_on_page,
            "items": items,
        }
        if page_type == "article":
            assert story is not None
            published = story.published
            truth |= {
                "title": story.title,
                "authors": list(story.authors),
                "published_at": published.isoformat(),
                "published_at_if_utc": (
                    published.isoformat()
                    if published_shown_zone or tz_on_page
                    else (published_if_utc or _wall(published).replace(tzinfo=UTC)).isoformat()
                ),
                "body": list(body if body is not None else story.paragraphs),
            }
        truth |= extra or {}
        ctype = content_type or f"text/html; charset={charset}"
        self.pages[path] = Page(path, data, ctype, truth)


def _wall(when: datetime) -> datetime:
    return when.replace(tzinfo=None)


def make_stories(
    site: Site,
    rng: random.Random,
    titles: Sequence[tuple[str, str]],
    authors: Sequence[Sequence[str]],
    path_of: Callable[[int, str, datetime], str],
    *,
    minutes_ago: Sequence[int] = (14, 130, 290, 610, 1390, 1710, 2950, 4400),
    paragraphs: tuple[int, int] = (5, 8),
    views: Sequence[int] = (987, 1234, 12345, 4420, 156789, 23, 1_530_000, 67100),
) -> list[Story]:
    """Stories for ``(section, title)`` pairs, published ``minutes_ago`` before ``site.now``."""
    stories = []
    for index, (section, title) in enumerate(titles):
        published = site.local_now - timedelta(minutes=minutes_ago[index % len(minutes_ago)])
        published = published.replace(second=0, microsecond=0)
        count = rng.randint(*paragraphs)
        stories.append(
            Story(
                key=f"s{index + 1}",
                path=path_of(index, section, published),
                title=title,
                section=section,
                authors=list(authors[index % len(authors)]),
                published=published,
                lead=prose(rng, site.lang, 1),
                paragraphs=[prose(rng, site.lang, rng.randint(2, 4)) for _ in range(count)],
                views=views[index % len(views)],
                image=f"/media/{index + 1:03d}-{rng.randrange(16**6):06x}.jpg",
            )
        )
    site.stories = stories
    return stories


# --- displayed times --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """A time as a page shows it, and what it means."""

    text: str
    instant: datetime | None
    """The instant meant, with the site's offset (None: the page shows no time)."""
    if_utc: datetime | None
    """The same wall clock read as UTC (a reader who cannot know the site's zone)."""
    ago: int | None = None
    """For a relative time: seconds before the capture time."""


NO_TIME = Shown("", None, None)

EN_MONTHS_SHORT = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.",
                   "Oct.", "Nov.", "Dec."]  # fmt: skip
DE_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
             "September", "Oktober", "November", "Dezember"]  # fmt: skip
RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря"]  # fmt: skip


def clock12(when: datetime, *, dots: bool = False) -> str:
    """``4:15 PM`` (or ``4:15 p.m.``)."""
    hour = when.hour % 12 or 12
    suffix = ("a.m." if when.hour < 12 else "p.m.") if dots else ("AM" if when.hour < 12 else "PM")
    return f"{hour}:{when.minute:02d} {suffix}"


def day_of(site: Site, when: datetime) -> str:
    """``today``, ``yesterday`` or ``older``, in the site's zone, relative to ``site.now``."""
    local = when.astimezone(site.tz).date()
    today = site.local_now.date()
    if local == today:
        return "today"
    if local == today - timedelta(days=1):
        return "yesterday"
    return "older"


def utc_reading(site: Site, when: datetime, kind: str) -> datetime:
    """The instant a reader gets from ``when``'s wall clock when taking it as UTC.

    ``kind``: ``today`` (a clock alone, or "today"), ``yesterday``, ``dated`` (a full date).
    A clock alone that would be later than the capture is yesterday's.
    """
    wall = when.astimezone(site.tz)
    now = site.now.astimezone(UTC)
    if kind == "dated":
        return wall.replace(tzinfo=UTC)
    if kind == "yesterday":
        day = now.date() - timedelta(days=1)
        return datetime.combine(day, wall.time(), UTC)
    result = datetime.combine(now.date(), wall.time(), UTC)
    return result - timedelta(days=1) if result > now else result


def shown(site: Site, when: datetime, text: str, kind: str) -> Shown:
    """A displayed absolute or day-relative time: ``kind`` as for :func:`utc_reading`."""
    return Shown(text, when.astimezone(site.tz), utc_reading(site, when, kind))


def relative(site: Site, when: datetime, text_of: Callable[[int, str], str]) -> Shown:
    """ "N minutes/hours ago": ``text_of(number, unit)`` with unit ``min`` or ``h``."""
    seconds = int((site.now - when).total_seconds())
    if seconds < 3600:
        number, unit, ago = seconds // 60, "min", (seconds // 60) * 60
    else:
        number, unit, ago = seconds // 3600, "h", (seconds // 3600) * 3600
    at = site.now - timedelta(seconds=ago)
    return Shown(text_of(number, unit), at, at, ago)


#: Renders a story's time in the site's zone (a local datetime) as the page shows it.
LocalText = Callable[[datetime], str]


def recent_or_dated(
    site: Site,
    when: datetime,
    ago: Callable[[int, str], str],
    *,
    dated: LocalText,
    yesterday: LocalText | None = None,
    today: LocalText | None = None,
    within: int = 24 * 3600,
) -> Shown:
    """A teaser's time: "N min/h ago" (:func:`relative`) up to ``within`` seconds old, then
    ``today``'s or ``yesterday``'s label where the page has one for that day, else ``dated``."""
    rel = relative(site, when, ago)
    if rel.ago is not None and rel.ago < within:
        return rel
    return clock_or_dated(site, when, today=today, yesterday=yesterday, dated=dated)


def clock_or_dated(
    site: Site,
    when: datetime,
    *,
    dated: LocalText,
    today: LocalText | None = None,
    yesterday: LocalText | None = None,
) -> Shown:
    """A time labelled by its day: ``today``'s form (a clock alone, typically) on the capture
    day, ``yesterday``'s the day before, ``dated`` otherwise (or where the day has no form)."""
    local = when.astimezone(site.tz)
    kind = day_of(site, when)
    if kind == "today" and today is not None:
        return shown(site, when, today(local), "today")
    if kind == "yesterday" and yesterday is not None:
        return shown(site, when, yesterday(local), "yesterday")
    return shown(site, when, dated(local), "dated")


def native_digits(text: str, zero: str) -> str:
    """``text`` with its ASCII digits written from ``zero`` on (``"٠"``: Arabic-Indic digits,
    ``"０"``: full-width digits)."""
    base = ord(zero)
    return text.translate({ord("0") + d: base + d for d in range(10)})


# --- displayed counts -------------------------------------------------------------------------------


def group(n: int, sep: str) -> str:
    """``1234567`` → ``1<sep>234<sep>567``."""
    return f"{n:,}".replace(",", sep)


def abbreviated(
    n: int,
    *,
    decimal: str = ".",
    units: tuple[str, str] = ("K", "M"),
    space: str = "",
    thousands_from: int = 1000,
    small: Callable[[int], str] = str,
) -> tuple[str, int]:
    """``12345`` → (``12.3K``, 12300): one decimal, the value as shown.

    ``space`` goes between number and unit (``4,4 k``, ``12,3 mil``); counts below
    ``thousands_from`` are written whole by ``small`` (``987``, ``group(n, ".")``: ``9.876``).
    """
    if n >= 1_000_000:
        tenths, unit, scale = round(n / 100_000), units[1], 100_000
    elif n >= thousands_from:
        tenths, unit, scale = round(n / 100), units[0], 100
    else:
        return small(n), n
    whole, frac = divmod(tenths, 10)
    number = f"{whole}{decimal}{frac}" if frac else f"{whole}"
    return f"{number}{space}{unit}", tenths * scale


def myriad(n: int, unit: str) -> tuple[str, int]:
    """A count in ten-thousands (Japanese 万, Korean 만), one decimal: ``12345`` → (``1.2万``,
    12000), ``1530000`` → (``153万``, 1530000); below ten thousand, digits grouped by commas."""
    if n < 10_000:
        return f"{n:,}", n
    tenths = round(n / 1000)
    whole, frac = divmod(tenths, 10)
    return (f"{whole}.{frac}{unit}" if frac else f"{whole}{unit}"), tenths * 1000


# --- truth of headline items -----------------------------------------------------------------------


def item(
    site: Site,
    block: str,
    position: int,
    story: Story,
    *,
    views: int | None = None,
    views_shown: str | None = None,
    when: Shown = NO_TIME,
    optional: bool = False,
    url: str | None = None,
) -> dict[str, Any]:
    """One headline item's truth, in the format of ``tests/sites/news_templates.py``."""
    return {
        "block": block,
        "position": position,
        "title": story.title,
        "url": url or site.url(story.path),
        "views": views,
        "shown_views": views_shown,
        "published_at": when.instant.isoformat() if when.instant else None,
        "published_at_if_utc": when.if_utc.isoformat() if when.if_utc else None,
        "published_ago": when.ago,
        "shown_time": when.text or None,
        "optional": optional,
    }


# --- markup helpers ---------------------------------------------------------------------------------


def jsonld(data: dict[str, Any]) -> str:
    return f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'


def news_article_ld(site: Site, story: Story, kind: str = "NewsArticle", **more: Any) -> str:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": kind,
        "headline": story.title,
        "datePublished": story.published.isoformat(timespec="seconds"),
        "dateModified": (story.modified or story.published).isoformat(timespec="seconds"),
        "author": [{"@type": "Person", "name": name} for name in story.authors],
        "image": [site.url(story.image)],
        "mainEntityOfPage": site.url(story.path),
        "articleSection": story.section,
        "inLanguage": site.lang,
    }
    data |= more
    return jsonld(data)


def paragraphs(texts: Sequence[str], attrs: str = "") -> str:
    return "".join(f"<p{attrs}>{E(t)}</p>" for t in texts)


def static_page(site: Site, path: str, title: str, wrap: Callable[[str, str], str]) -> None:
    """An ordinary non-news page (about, contact, privacy): ``wrap(title, inner_html)``."""
    inner = (
        f"<h1>{E(title)}</h1><p>{E(site.name)} has served its readers since 1987. Write to the "
        "newsroom at the address below; we answer every letter, though not always quickly.</p>"
        "<p>Main office: 14 Foundry Lane. Telephone switchboard open weekdays 9 to 5.</p>"
    )
    site.add(path, wrap(title, inner), "other", [])
