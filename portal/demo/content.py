"""Demo texts for one municipality's site, in Danish and English.

Written for this scheme from the domain brief (shared/DOMAIN.md). ``{m}`` is
replaced by the municipality's name. Block values use StreamField's raw
format; ``{"page": "contact"}`` style references are resolved by seed_demo,
and so are ``"page_links": {"contact_page": "contact"}`` (page fields).
"""

TARGET_GROUPS = [
    # code, Danish name, English name, eligibility, Danish guidance, English guidance
    ("jobready_cash_benefit", "Jobparat kontanthjælpsmodtager", "Job-ready cash-benefit recipient", "can_apply",
     "Du kan søge. Fortæl gerne din sagsbehandler, at du søger.",
     "You can apply. It is a good idea to tell your caseworker that you are applying."),
    ("education_ready_education_benefit", "Uddannelsesparat uddannelseshjælpsmodtager",
     "Education-ready education-benefit recipient", "talk_first",
     "Tal med din sagsbehandler først: for dig kan uddannelse være en bedre vej, og det skal I afklare sammen.",
     "Talk to your caseworker first: education may be a better path for you, and you should decide that together."),
    ("activity_ready", "Aktivitetsparat modtager", "Activity-ready recipient", "talk_first",
     "Tal med din sagsbehandler først, så I sammen kan vurdere, om et forløb passer til din situation.",
     "Talk to your caseworker first, so that together you can judge whether a course fits your situation."),
    ("rehabilitation", "Revalidend (§ 65 i aktivloven)", "Vocational rehabilitation client (§ 65)", "can_apply",
     "Du kan søge. Støtte til egen virksomhed kan gives som en del af revalideringen.",
     "You can apply. Support for starting a business can be part of your rehabilitation."),
    ("sickness_benefit", "Sygedagpengemodtager", "Sickness-benefit recipient", "talk_first",
     "Tal med din sagsbehandler først om, hvordan et forløb passer med din sygemelding.",
     "Talk to your caseworker first about how a course fits with your sick leave."),
    ("early_retirement_pension", "Førtidspensionist", "Early-retirement pensioner", "can_apply",
     "Du kan søge. En lille virksomhed kan være et supplement til din pension.",
     "You can apply. A small business can supplement your pension."),
    ("self_supporting", "Selvforsørget", "Self-supporting", "not_eligible",
     "Ordningen er for borgere på offentlig forsørgelse. Kontakt Erhvervshuset for gratis vejledning om at starte virksomhed.",
     "The scheme is for citizens on public benefits. Contact the regional Business Hub for free advice on starting a business."),
]


def _steps(lang):
    if lang == "da":
        return [
            {"title": "Læs om ordningen og tjek, om den passer til dig", "text": "Kom til et informationsmøde, eller ring til os. Det er gratis og uforpligtende."},
            {"title": "Søg online", "text": "Fortæl om dig selv og din idé, og send din forretningsplan og dit budget. Du kan gemme undervejs."},
            {"title": "Samtale", "text": "Vi mødes og taler om din idé, dit helbred og din situation. Vi vurderer sammen, om et forløb er det rigtige for dig."},
            {"title": "Forløb i cirka seks måneder", "text": "Du deltager på et hold med andre iværksættere. Du lærer om budget, skat og moms, markedsføring og regnskab og får personlig sparring."},
            {"title": "Lån og tilskud", "text": "Når din plan holder, kan du få et rentefrit mikrolån og tilskud til forsørgelse i de første måneder."},
            {"title": "Start din virksomhed", "text": "Du registrerer din virksomhed (CVR) og åbner en erhvervskonto. Lånet udbetales kun til erhvervskontoen."},
            {"title": "Opfølgning", "text": "Vi følger dig i opstarten med besøg og samtaler, så du ikke står alene."},
        ]
    return [
        {"title": "Read about the scheme and check that it fits you", "text": "Come to an information meeting or call us. It is free and without obligation."},
        {"title": "Apply online", "text": "Tell us about yourself and your idea, and send your business plan and budget. You can save as you go."},
        {"title": "A talk with us", "text": "We meet and talk about your idea, your health and your situation, and decide together whether a course is right for you."},
        {"title": "A course of about six months", "text": "You join a group of other new business owners. You learn about budgets, tax and VAT, marketing and bookkeeping, and get personal guidance."},
        {"title": "Loan and allowance", "text": "When your plan holds up, you can get an interest-free micro-loan and an allowance for your first months."},
        {"title": "Start your business", "text": "You register the business (CVR) and open a business bank account. The loan is paid only into that account."},
        {"title": "Follow-up", "text": "We follow you through the start-up with visits and talks, so you are not on your own."},
    ]


def _faq(lang):
    if lang == "da":
        return [
            {"question": "Hvem kan søge?", "answer": "<p>Borgere i kommunen, der modtager offentlig forsørgelse – for eksempel kontanthjælp, revalidering eller førtidspension – og som har en realistisk idé til en virksomhed.</p>"},
            {"question": "Skal jeg betale renter?", "answer": "<p>Nej. Lånet er rentefrit, og du begynder først at betale tilbage, når virksomheden er kommet i gang.</p>"},
            {"question": "Hvorfor skal jeg have en erhvervskonto?", "answer": "<p>Penge på en privat konto kan blive modregnet i gæld til det offentlige. Derfor udbetaler vi kun lånet til en erhvervskonto i virksomhedens navn. Vi hjælper dig med at få den oprettet.</p>"},
            {"question": "Hvad hvis jeg får et job undervejs?", "answer": "<p>Det er en god nyhed. Mange deltagere får øje på deres egne kompetencer og finder et job. Det tæller som et godt resultat.</p>"},
            {"question": "Hvad sker der med mine oplysninger?", "answer": "<p>Vi bruger kun dine oplysninger til at behandle din sag. Læs mere på siden om persondata.</p>"},
        ]
    return [
        {"question": "Who can apply?", "answer": "<p>Residents of the municipality who receive public benefits – for example cash benefit, rehabilitation or early-retirement pension – and who have a realistic idea for a business.</p>"},
        {"question": "Do I pay interest?", "answer": "<p>No. The loan is interest-free, and you only start repaying once the business is up and running.</p>"},
        {"question": "Why do I need a business bank account?", "answer": "<p>Money in a personal account can be set off against debt to the public sector. That is why we pay the loan only into a business account in the name of the business. We help you open one.</p>"},
        {"question": "What if I get a job along the way?", "answer": "<p>That is good news. Many participants discover their own skills and find a job. It counts as a good result.</p>"},
        {"question": "What happens to my information?", "answer": "<p>We use your information only to handle your case. Read more on the page about personal data.</p>"},
    ]


def site_pages(lang, loan_min, loan_max):
    """Every page of one site as nested dicts; 'children' holds subpages."""
    da = lang == "da"
    amount = f"{loan_min:,}".replace(",", ".") + "–" + f"{loan_max:,}".replace(",", ".") + " kr."
    figures = [
        {"value": amount, "label": "rentefrit mikrolån" if da else "interest-free micro-loan"},
        {"value": "6 mdr." if da else "6 months", "label": "forløb med undervisning og sparring" if da else "course with teaching and coaching"},
        {"value": "ca. 20" if da else "about 20", "label": "deltagere på hvert hold" if da else "participants in each group"},
        {"value": "0 %", "label": "rente" if da else "interest"},
    ]
    return {
        "type": "HomePage",
        "title": "Mikrolån" if da else "Micro-loans",
        "slug": None,
        "hero_heading": "Start din egen virksomhed – med forløb, sparring og et mikrolån" if da else "Start your own business – with a course, coaching and a micro-loan",
        "intro": ("Har du en god idé, men står uden arbejde? {m} hjælper dig fra idé til virksomhed, så du kan forsørge dig selv."
                  if da else "Do you have a good idea but no job? {m} helps you go from idea to business, so you can support yourself."),
        "search_description": ("Mikrolån til ledige borgere, der vil starte egen virksomhed: forløb, sparring, lån og opfølgning." if da
                               else "Micro-loans for unemployed citizens who want to start a business: course, coaching, loan and follow-up."),
        "hero_image": "people",
        "primary_action": ("programme", "Sådan fungerer det" if da else "How it works"),
        "secondary_action": ("events", "Kom til et informationsmøde" if da else "Come to an information meeting"),
        "body": [
            {"type": "key_figures", "value": {"heading": "Ordningen kort fortalt" if da else "The scheme in short", "figures": figures}},
            {"type": "image_text", "value": {
                "image": "shop", "heading": "Lånet er den mindste del" if da else "The loan is the smallest part",
                "text": ("<p>Det vigtigste er forløbet: et halvt år, hvor du sammen med andre iværksættere gør din idé til en plan, der holder. Du får sparring fra både en erhvervskonsulent og en socialrådgiver.</p>"
                         if da else "<p>The core is the course: half a year in which you and other new business owners turn your idea into a plan that holds up. You get guidance from both a business consultant and a social worker.</p>"),
                "image_position": "right"}},
            {"type": "call_to_action", "value": {
                "heading": "Er ordningen noget for dig?" if da else "Is the scheme for you?",
                "text": "Svar på fire korte spørgsmål, og se, om du kan søge." if da else "Answer four short questions and see if you can apply.",
                "button_label": "Tjek, om du kan søge" if da else "Check if you can apply",
                "link": {"page": "eligibility", "url": ""}}},
        ],
        "children": [
            {
                "type": "ProgrammePage", "slug": "saadan-fungerer-det" if da else "how-it-works",
                "title": "Sådan fungerer mikrolån" if da else "How micro-loans work", "show_in_menus": True,
                "intro": ("Ordningen hjælper ledige med en realistisk forretningsidé til at blive selvforsørgende gennem egen virksomhed." if da
                          else "The scheme helps unemployed people with a realistic business idea to become self-sufficient through their own business."),
                "hero_image": "workshop",
                "body": [
                    {"type": "heading", "value": "Hvem er ordningen for?" if da else "Who is the scheme for?"},
                    {"type": "paragraph", "value": ("<p>Ordningen er for dig, der bor i {m}, modtager offentlig forsørgelse og har lyst til og mod på at starte for dig selv. Du skal være klar til at deltage i et forløb på cirka seks måneder.</p>" if da
                                                    else "<p>The scheme is for you if you live in {m}, receive public benefits and want to start on your own. You must be ready to take part in a course of about six months.</p>")},
                    {"type": "steps", "value": {"heading": "Sådan foregår det" if da else "How it works", "steps": _steps(lang)}},
                    {"type": "key_figures", "value": {"heading": "Det kan du få" if da else "What you can get", "figures": figures[:2]}},
                    {"type": "callout", "value": {"tone": "warning",
                        "heading": "Lånet udbetales kun til en erhvervskonto" if da else "The loan is paid only into a business account",
                        "text": ("<p>Penge på en privat konto kan blive modregnet i gæld til det offentlige. Derfor skal din virksomhed have sin egen konto, før vi udbetaler. Vi hjælper dig i gang – det kan tage nogle uger hos banken.</p>" if da
                                 else "<p>Money in a personal account can be set off against public debt. So your business needs its own account before we pay out. We help you get started – banks can take a few weeks.</p>")}},
                    {"type": "heading", "value": "Sådan vurderer vi din idé" if da else "How we assess your idea"},
                    {"type": "paragraph", "value": ("<ul><li>Har du de faglige og forretningsmæssige forudsætninger?</li><li>Er forretningsplanen realistisk, og kan den løse din forsørgelse?</li><li>Er der kunder nok, og kan du nå dem?</li><li>Kan dit helbred bære en virksomhed?</li><li>Bakker din familie op om idéen?</li></ul>" if da
                                                    else "<ul><li>Do you have the professional and business skills?</li><li>Is the business plan realistic, and can it support you?</li><li>Are there enough customers, and can you reach them?</li><li>Can your health carry a business?</li><li>Does your family back the idea?</li></ul>")},
                    {"type": "faq", "value": {"heading": "Spørgsmål og svar" if da else "Questions and answers", "questions": _faq(lang)[:3]}},
                    {"type": "call_to_action", "value": {
                        "heading": "Klar til at søge?" if da else "Ready to apply?",
                        "text": ("Kontakt os, så hjælper vi dig videre. Online ansøgning åbner snart." if da
                                 else "Contact us and we will help you on. Online applications open soon."),
                        "button_label": "Søg nu" if da else "Apply",
                        "link": {"page": "contact", "url": ""}}},
                ],
            },
            {
                "type": "EligibilityCheckPage", "slug": "kan-jeg-soege" if da else "can-i-apply", "key": "eligibility",
                "title": "Kan jeg søge?" if da else "Can I apply?", "show_in_menus": True,
                "intro": ("Svar på fire korte spørgsmål, og se med det samme, om ordningen i {m} passer til dig." if da
                          else "Answer four short questions and see at once whether the scheme in {m} fits you."),
                "can_apply_text": ("<p>Når du søger, inviterer vi dig til en samtale. Vi taler om din idé og din situation og finder sammen ud af, om forløbet er det rigtige for dig.</p>" if da
                                   else "<p>When you apply, we invite you to a talk. We talk about your idea and your situation and find out together whether the course is right for you.</p>"),
                "talk_first_text": ("<p>Din sagsbehandler kender din situation og kan henvise dig til ordningen. Du er også velkommen til at ringe til os eller komme til et informationsmøde.</p>" if da
                                    else "<p>Your caseworker knows your situation and can refer you to the scheme. You are also welcome to call us or come to an information meeting.</p>"),
                "not_eligible_text": ("<p>Erhvervshuset giver gratis vejledning til alle, der vil starte virksomhed. Har du spørgsmål til ordningen, er du velkommen til at kontakte os.</p>" if da
                                      else "<p>Erhvervshuset, the regional Business Hub, gives free advice to anyone who wants to start a business. If you have questions about the scheme, you are welcome to contact us.</p>"),
                "alternative_url": "https://erhvervshuse.dk/",
                "alternative_label": "Erhvervshuset" if da else "Erhvervshuset (Business Hub)",
                # The online application comes later; until then "apply" goes to the contact page.
                "page_links": {"contact_page": "contact"},
            },
            {
                "type": "FaqPage", "slug": "spoergsmaal-og-svar" if da else "questions-and-answers",
                "title": "Spørgsmål og svar" if da else "Questions and answers", "show_in_menus": True,
                "intro": "Svar på det, vi oftest bliver spurgt om." if da else "Answers to what we are asked most often.",
                "body": [{"type": "faq", "value": {"heading": "", "questions": _faq(lang)}}],
            },
            {
                "type": "StoryIndexPage", "slug": "historier" if da else "stories", "key": "stories",
                "title": "Iværksætterhistorier" if da else "Success stories", "show_in_menus": True,
                "intro": "Mød borgere, der er gået fra ledighed til egen virksomhed." if da else "Meet citizens who went from unemployment to their own business.",
                "children": [
                    {"type": "StoryPage", "slug": "amina-syr-og-ret" if da else "amina-tailoring",
                     "title": "Fra kontanthjælp til egen systue" if da else "From cash benefit to her own tailoring shop",
                     "entrepreneur_name": "Amina", "business_name": "Amina Syr & Ret", "industry": "Skrædder" if da else "Tailoring",
                     "intro": ("Amina havde syet for venner i årevis. Forløbet gav hende modet og budgettet til at åbne sin egen systue." if da
                               else "Amina had sewn for friends for years. The course gave her the courage and the budget to open her own tailoring shop."),
                     "quote": "Jeg lærte at regne på mine priser – nu tjener jeg penge på det, jeg er god til." if da else "I learned to price my work – now I earn money doing what I am good at.",
                     "image": "shop", "days_ago": 40,
                     "body": [{"type": "paragraph", "value": ("<p>Efter flere år på kontanthjælp kom Amina til et informationsmøde. På holdet lærte hun om moms, markedsføring og at sige nej til opgaver, der ikke kunne betale sig.</p><p>I dag har hun faste kunder fra to renserier og et teater, og hun er ikke længere på offentlig forsørgelse.</p>" if da
                                                                else "<p>After several years on cash benefit, Amina came to an information meeting. In the group she learned about VAT, marketing and saying no to work that did not pay.</p><p>Today she has regular customers in two dry cleaners and a theatre, and she no longer receives public benefits.</p>")}]},
                    {"type": "StoryPage", "slug": "cykeldoktoren" if da else "bike-doctor",
                     "title": "Cykeldoktoren kører rundt i byen" if da else "The Bike Doctor rides around town",
                     "entrepreneur_name": "Jens", "business_name": "Cykeldoktoren", "industry": "Cykelreparation" if da else "Bicycle repair",
                     "intro": ("Jens var revalidend efter en arbejdsskade. Nu reparerer han cykler hjemme hos kunderne." if da
                               else "Jens was in rehabilitation after a work injury. Now he repairs bicycles at his customers' homes."),
                     "quote": "Sparringen var det vigtigste. Lånet købte værktøjet." if da else "The coaching mattered most. The loan bought the tools.",
                     "image": "workshop", "days_ago": 120,
                     "body": [{"type": "paragraph", "value": ("<p>Jens kunne ikke vende tilbage til sit gamle job på lageret. Med et mikrolån købte han en ladcykel og værktøj, og erhvervskonsulenten hjalp ham med at finde kunder blandt travle børnefamilier.</p>" if da
                                                                else "<p>Jens could not return to his old warehouse job. With a micro-loan he bought a cargo bike and tools, and the business consultant helped him find customers among busy families.</p>")}]},
                    {"type": "StoryPage", "slug": "groen-rengoering" if da else "green-cleaning",
                     "title": "Grøn rengøring med fast kundekreds" if da else "Green cleaning with regular customers",
                     "entrepreneur_name": "Sara", "business_name": "Grøn Rengøring", "industry": "Rengøring" if da else "Cleaning",
                     "intro": ("Sara startede et rengøringsfirma med miljøvenlige midler – og har nu to ansatte." if da
                               else "Sara started a cleaning company using eco-friendly products – and now has two employees."),
                     "quote": "Jeg havde aldrig troet, at jeg skulle være chef." if da else "I never thought I would be a boss.",
                     "image": "growth", "days_ago": 200,
                     "body": [{"type": "paragraph", "value": ("<p>Sara tog småjobs ved siden af virksomheden det første halve år. Opfølgningen fra kommunen hjalp hende igennem den svære start.</p>" if da
                                                                else "<p>Sara took small jobs beside the business in the first six months. The municipality's follow-up helped her through the difficult start.</p>")}]},
                ],
            },
            {
                "type": "EventIndexPage", "slug": "informationsmoeder" if da else "information-meetings", "key": "events",
                "title": "Informationsmøder" if da else "Information meetings", "show_in_menus": True,
                "intro": ("Kom og hør om ordningen, og mød tidligere deltagere. Du behøver ikke forberede noget." if da
                          else "Come and hear about the scheme and meet former participants. You do not need to prepare anything."),
                "children": [
                    {"type": "EventPage", "slug": f"infomoede-{n}" if da else f"info-meeting-{n}",
                     "title": title, "days_ahead": days, "location_name": place,
                     "address": "Jobcentret, Torvet 1", "online_url": online,
                     "intro": ("Hør om forløbet, lånet og hvordan du søger. Der er tid til spørgsmål." if da
                               else "Hear about the course, the loan and how to apply. There is time for questions.")}
                    for n, (title, days, place, online) in enumerate([
                        ("Informationsmøde om mikrolån" if da else "Information meeting on micro-loans", 12, "Jobcentret, mødelokale 2" if da else "The jobcentre, meeting room 2", ""),
                        ("Online informationsmøde" if da else "Online information meeting", 26, "Online", "https://meet.example.invalid/mikrolaan"),
                        ("Mød tidligere deltagere" if da else "Meet former participants", 47, "Biblioteket, salen" if da else "The library, main hall", ""),
                        ("Informationsmøde i foråret" if da else "Spring information meeting", -60, "Jobcentret, mødelokale 2" if da else "The jobcentre, meeting room 2", ""),
                    ], start=1)
                ],
            },
            {
                "type": "NewsIndexPage", "slug": "nyheder" if da else "news", "key": "news",
                "title": "Nyheder" if da else "News", "show_in_menus": True,
                "intro": "Nyt om ordningen." if da else "News about the scheme.",
                "children": [
                    {"type": "NewsPage", "slug": slug, "title": title, "days_ago": days, "image": image,
                     "intro": intro, "body": [{"type": "paragraph", "value": f"<p>{intro}</p>"}]}
                    for slug, title, days, image, intro in (
                        [("nyt-hold-starter", "Nyt hold starter efter sommerferien", 5, "people", "Der er plads til 20 deltagere på næste hold. Søg inden udgangen af måneden."),
                         ("evaluering-viser-resultater", "Evalueringen viser gode resultater", 60, "growth", "Over halvdelen af dem, der fik et lån, er blevet selvforsørgende."),
                         ("hjaelp-til-erhvervskonto", "Ny hjælp til at åbne erhvervskonto", 90, None, "Vi har lavet en aftale med lokale banker, så det går hurtigere at få en erhvervskonto.")]
                        if da else
                        [("new-group-starts", "A new group starts after the summer holidays", 5, "people", "There is room for 20 participants in the next group. Apply before the end of the month."),
                         ("evaluation-shows-results", "The evaluation shows good results", 60, "growth", "More than half of those who got a loan have become self-sufficient."),
                         ("help-with-business-account", "New help to open a business account", 90, None, "We have agreed with local banks that opening a business account will be faster.")]
                    )
                ],
            },
            {
                "type": "ContactPage", "slug": "kontakt" if da else "contact", "key": "contact",
                "title": "Kontakt" if da else "Contact", "show_in_menus": True,
                "intro": "Ring eller skriv, hvis du har spørgsmål – også før du søger." if da else "Call or write if you have questions – also before you apply.",
                "body": [{"type": "paragraph", "value": ("<p>Skriv ikke dit CPR-nummer i almindelig e-mail. Brug i stedet Digital Post eller ring til os.</p>" if da
                                                         else "<p>Do not write your CPR number in ordinary e-mail. Use Digital Post instead, or call us.</p>")}],
            },
            {
                "type": "PrivacyPage", "slug": "persondata" if da else "privacy", "key": "privacy",
                "title": "Sådan behandler vi dine personoplysninger" if da else "How we process your personal data",
                "intro": "{m} er dataansvarlig for de oplysninger, du giver os." if da else "{m} is the data controller for the information you give us.",
                "body": [
                    {"type": "heading", "value": "Formål og hjemmel" if da else "Purpose and legal basis"},
                    {"type": "paragraph", "value": ("<p>Vi behandler dine oplysninger for at vurdere din ansøgning, tilbyde forløbet, bevilge lån og tilskud og følge op. Behandlingen sker efter databeskyttelsesforordningens artikel 6, stk. 1, litra e, og artikel 9 for helbredsoplysninger, samt lov om aktiv socialpolitik.</p>" if da
                                                    else "<p>We process your information to assess your application, offer the course, grant loans and allowances and follow up. The legal basis is Article 6(1)(e) of the GDPR, Article 9 for health information, and the Active Social Policy Act.</p>")},
                    {"type": "heading", "value": "Hvor længe gemmer vi oplysningerne?" if da else "How long do we keep the information?"},
                    {"type": "paragraph", "value": ("<p>Kladder, du ikke sender, slettes efter 90 dage. Sager gemmes efter arkivlovens regler.</p>" if da
                                                    else "<p>Drafts you do not submit are deleted after 90 days. Cases are kept according to the archive rules.</p>")},
                    {"type": "heading", "value": "Dine rettigheder" if da else "Your rights"},
                    {"type": "paragraph", "value": ("<p>Du har ret til indsigt i din sag (aktindsigt), til at få forkerte oplysninger rettet og til at klage til Datatilsynet.</p>" if da
                                                    else "<p>You have the right to see your file, to have wrong information corrected and to complain to the Danish Data Protection Agency.</p>")},
                ],
            },
            {
                "type": "AccessibilityStatementPage", "slug": "tilgaengelighedserklaering" if da else "accessibility-statement",
                "key": "accessibility",
                "title": "Tilgængelighedserklæring" if da else "Accessibility statement",
                "intro": ("{m} ønsker, at alle kan bruge dette website. Her kan du læse, hvordan siden lever op til reglerne." if da
                          else "{m} wants everyone to be able to use this website. Here you can read how the site meets the rules."),
                "known_issues": ("<p>Enkelte ældre PDF-filer er ikke fuldt tilgængelige. Kontakt os, så sender vi indholdet i en anden form.</p>" if da
                                 else "<p>A few older PDF files are not fully accessible. Contact us and we will send the content in another form.</p>"),
            },
        ],
    }
