"""Static reference data for the simulator: leagues, teams, venues, referees, bookmakers, bets.

Ids and names follow API-Football where they are known (bookmakers and bets are the ones the
provider documents in its response samples); the rest is merely real-looking.
"""

from __future__ import annotations

MEDIA = "https://media.api-sports.io"

# id -> (name, country, country code, flag code or None, type)
LEAGUES: dict[int, tuple[str, str, str | None, str | None, str]] = {
    39: ("Premier League", "England", "GB-ENG", "gb-eng", "League"),
    61: ("Ligue 1", "France", "FR", "fr", "League"),
    140: ("La Liga", "Spain", "ES", "es", "League"),
    78: ("Bundesliga", "Germany", "DE", "de", "League"),
    135: ("Serie A", "Italy", "IT", "it", "League"),
    40: ("Championship", "England", "GB-ENG", "gb-eng", "League"),
    62: ("Ligue 2", "France", "FR", "fr", "League"),
    141: ("Segunda División", "Spain", "ES", "es", "League"),
    79: ("2. Bundesliga", "Germany", "DE", "de", "League"),
    136: ("Serie B", "Italy", "IT", "it", "League"),
    88: ("Eredivisie", "Netherlands", "NL", "nl", "League"),
    94: ("Primeira Liga", "Portugal", "PT", "pt", "League"),
    144: ("Jupiler Pro League", "Belgium", "BE", "be", "League"),
    203: ("Süper Lig", "Turkey", "TR", "tr", "League"),
    179: ("Premiership", "Scotland", "GB-SCT", "gb-sct", "League"),
    119: ("Superliga", "Denmark", "DK", "dk", "League"),
    113: ("Allsvenskan", "Sweden", "SE", "se", "League"),
    103: ("Eliteserien", "Norway", "NO", "no", "League"),
    218: ("Bundesliga", "Austria", "AT", "at", "League"),
    207: ("Super League", "Switzerland", "CH", "ch", "League"),
    197: ("Super League 1", "Greece", "GR", "gr", "League"),
    106: ("Ekstraklasa", "Poland", "PL", "pl", "League"),
    253: ("Major League Soccer", "USA", "US", "us", "League"),
    71: ("Serie A", "Brazil", "BR", "br", "League"),
    128: ("Liga Profesional Argentina", "Argentina", "AR", "ar", "League"),
}

# Team rows: (id, name, venue name, venue city). Listed roughly strongest first: the order
# seeds the team strengths.
TEAMS: dict[int, tuple[tuple[int, str, str, str], ...]] = {
    39: (
        (42, "Arsenal", "Emirates Stadium", "London"),
        (50, "Manchester City", "Etihad Stadium", "Manchester"),
        (40, "Liverpool", "Anfield", "Liverpool"),
        (49, "Chelsea", "Stamford Bridge", "London"),
        (34, "Newcastle", "St. James' Park", "Newcastle upon Tyne"),
        (47, "Tottenham", "Tottenham Hotspur Stadium", "London"),
        (66, "Aston Villa", "Villa Park", "Birmingham"),
        (33, "Manchester United", "Old Trafford", "Manchester"),
        (51, "Brighton", "American Express Stadium", "Falmer"),
        (65, "Nottingham Forest", "The City Ground", "Nottingham"),
        (52, "Crystal Palace", "Selhurst Park", "London"),
        (35, "Bournemouth", "Vitality Stadium", "Bournemouth"),
        (55, "Brentford", "Gtech Community Stadium", "Brentford"),
        (36, "Fulham", "Craven Cottage", "London"),
        (45, "Everton", "Hill Dickinson Stadium", "Liverpool"),
        (48, "West Ham", "London Stadium", "London"),
        (39, "Wolves", "Molineux Stadium", "Wolverhampton"),
        (63, "Leeds", "Elland Road", "Leeds"),
        (746, "Sunderland", "Stadium of Light", "Sunderland"),
        (44, "Burnley", "Turf Moor", "Burnley"),
    ),
    61: (
        (85, "Paris Saint Germain", "Parc des Princes", "Paris"),
        (81, "Marseille", "Stade Orange Vélodrome", "Marseille"),
        (91, "Monaco", "Stade Louis II", "Monaco"),
        (79, "Lille", "Decathlon Arena - Stade Pierre-Mauroy", "Villeneuve d'Ascq"),
        (80, "Lyon", "Groupama Stadium", "Décines-Charpieu"),
        (84, "Nice", "Allianz Riviera", "Nice"),
        (116, "Lens", "Stade Bollaert-Delelis", "Lens"),
        (94, "Rennes", "Roazhon Park", "Rennes"),
        (106, "Stade Brestois 29", "Stade Francis-Le Blé", "Brest"),
        (95, "Strasbourg", "Stade de la Meinau", "Strasbourg"),
        (96, "Toulouse", "Stadium de Toulouse", "Toulouse"),
        (83, "Nantes", "Stade de la Beaujoire - Louis Fonteneau", "Nantes"),
        (108, "Auxerre", "Stade de l'Abbé-Deschamps", "Auxerre"),
        (77, "Angers", "Stade Raymond-Kopa", "Angers"),
        (111, "Le Havre", "Stade Océane", "Le Havre"),
        (97, "Lorient", "Stade Yves Allainmat - Le Moustoir", "Lorient"),
        (114, "Paris FC", "Stade Jean-Bouin", "Paris"),
        (112, "Metz", "Stade Saint-Symphorien", "Longeville-lès-Metz"),
    ),
    140: (
        (541, "Real Madrid", "Estadio Santiago Bernabéu", "Madrid"),
        (529, "Barcelona", "Estadi Olímpic Lluís Companys", "Barcelona"),
        (530, "Atletico Madrid", "Estadio Riyadh Air Metropolitano", "Madrid"),
        (531, "Athletic Club", "San Mamés Barria", "Bilbao"),
        (533, "Villarreal", "Estadio de la Cerámica", "Villarreal"),
        (543, "Real Betis", "Estadio Benito Villamarín", "Sevilla"),
        (548, "Real Sociedad", "Reale Arena", "Donostia-San Sebastián"),
        (536, "Sevilla", "Estadio Ramón Sánchez Pizjuán", "Sevilla"),
        (538, "Celta Vigo", "Abanca-Balaídos", "Vigo"),
        (727, "Osasuna", "Estadio El Sadar", "Iruñea"),
        (532, "Valencia", "Estadio de Mestalla", "Valencia"),
        (547, "Girona", "Estadi Municipal de Montilivi", "Girona"),
        (728, "Rayo Vallecano", "Estadio de Vallecas", "Madrid"),
        (546, "Getafe", "Coliseum Alfonso Pérez", "Getafe"),
        (798, "Mallorca", "Estadi Mallorca Son Moix", "Palma de Mallorca"),
        (540, "Espanyol", "RCDE Stadium", "Cornellà de Llobregat"),
        (542, "Alaves", "Estadio de Mendizorroza", "Vitoria-Gasteiz"),
        (797, "Elche", "Estadio Manuel Martínez Valero", "Elche"),
        (539, "Levante", "Estadio Ciutat de València", "Valencia"),
        (718, "Oviedo", "Estadio Carlos Tartiere", "Oviedo"),
    ),
    78: (
        (157, "Bayern München", "Allianz Arena", "München"),
        (168, "Bayer Leverkusen", "BayArena", "Leverkusen"),
        (165, "Borussia Dortmund", "SIGNAL IDUNA PARK", "Dortmund"),
        (173, "RB Leipzig", "Red Bull Arena", "Leipzig"),
        (169, "Eintracht Frankfurt", "Deutsche Bank Park", "Frankfurt am Main"),
        (172, "VfB Stuttgart", "MHPArena", "Stuttgart"),
        (160, "SC Freiburg", "Europa-Park Stadion", "Freiburg im Breisgau"),
        (167, "1899 Hoffenheim", "PreZero Arena", "Sinsheim"),
        (164, "FSV Mainz 05", "MEWA ARENA", "Mainz"),
        (161, "VfL Wolfsburg", "Volkswagen Arena", "Wolfsburg"),
        (163, "Borussia Mönchengladbach", "BORUSSIA-PARK", "Mönchengladbach"),
        (162, "Werder Bremen", "Weserstadion", "Bremen"),
        (170, "FC Augsburg", "WWK Arena", "Augsburg"),
        (182, "Union Berlin", "Stadion An der Alten Försterei", "Berlin"),
        (180, "1. FC Heidenheim", "Voith-Arena", "Heidenheim an der Brenz"),
        (186, "FC St. Pauli", "Millerntor-Stadion", "Hamburg"),
        (175, "Hamburger SV", "Volksparkstadion", "Hamburg"),
        (192, "1. FC Köln", "RheinEnergieSTADION", "Köln"),
    ),
    135: (
        (505, "Inter", "Stadio Giuseppe Meazza", "Milano"),
        (492, "Napoli", "Stadio Diego Armando Maradona", "Napoli"),
        (499, "Atalanta", "Gewiss Stadium", "Bergamo"),
        (496, "Juventus", "Allianz Stadium", "Torino"),
        (489, "AC Milan", "Stadio Giuseppe Meazza", "Milano"),
        (497, "AS Roma", "Stadio Olimpico", "Roma"),
        (487, "Lazio", "Stadio Olimpico", "Roma"),
        (502, "Fiorentina", "Stadio Artemio Franchi", "Firenze"),
        (500, "Bologna", "Stadio Renato Dall'Ara", "Bologna"),
        (895, "Como", "Stadio Giuseppe Sinigaglia", "Como"),
        (503, "Torino", "Stadio Olimpico Grande Torino", "Torino"),
        (494, "Udinese", "Bluenergy Stadium", "Udine"),
        (495, "Genoa", "Stadio Luigi Ferraris", "Genova"),
        (488, "Sassuolo", "Mapei Stadium - Città del Tricolore", "Reggio nell'Emilia"),
        (490, "Cagliari", "Unipol Domus", "Cagliari"),
        (523, "Parma", "Stadio Ennio Tardini", "Parma"),
        (867, "Lecce", "Stadio Comunale Via del Mare", "Lecce"),
        (504, "Verona", "Stadio Marcantonio Bentegodi", "Verona"),
        (520, "Cremonese", "Stadio Giovanni Zini", "Cremona"),
        (801, "Pisa", "Arena Garibaldi - Stadio Romeo Anconetani", "Pisa"),
    ),
}

# Kickoff slots per league as (day of the matchday 0/1, hour UTC, minute); fixture k of a
# matchday takes slot k modulo the list.
SLOTS: dict[int, tuple[tuple[int, int, int], ...]] = {
    39: ((0, 12, 30), (0, 15, 0), (0, 15, 0), (0, 17, 30), (1, 16, 30),
         (0, 15, 0), (1, 14, 0), (0, 20, 0), (1, 14, 0), (1, 19, 0)),
    61: ((0, 16, 0), (0, 20, 0), (1, 14, 0), (1, 16, 15), (1, 19, 45),
         (0, 18, 0), (1, 16, 15), (1, 16, 15), (0, 20, 0), (1, 12, 0)),
    140: ((0, 13, 0), (0, 15, 15), (0, 17, 30), (0, 20, 0), (1, 20, 0),
          (1, 13, 0), (1, 15, 15), (1, 17, 30), (0, 15, 15), (1, 20, 0)),
    78: ((0, 14, 30), (0, 14, 30), (0, 14, 30), (0, 17, 30), (1, 16, 30),
         (0, 14, 30), (0, 14, 30), (1, 14, 30), (1, 18, 30), (0, 19, 30)),
    135: ((0, 14, 0), (0, 17, 0), (0, 19, 45), (1, 11, 30), (1, 14, 0),
          (1, 17, 0), (1, 19, 45), (0, 17, 0), (1, 14, 0), (1, 19, 45)),
}
DEFAULT_SLOTS: tuple[tuple[int, int, int], ...] = (
    (0, 13, 0), (0, 15, 0), (0, 17, 0), (0, 19, 0), (1, 14, 0),
    (1, 16, 0), (0, 15, 0), (1, 18, 0), (0, 20, 0), (1, 12, 0),
)

REFEREES: dict[str, tuple[str, ...]] = {
    "England": ("M. Oliver", "A. Taylor", "S. Hooper", "C. Kavanagh", "A. Madley",
                "J. Brooks", "R. Jones", "P. Bankes", "T. Robinson", "D. England"),
    "France": ("C. Turpin", "F. Letexier", "B. Bastien", "W. Delajod", "J. Stinat",
               "E. Wattellier", "A. Millot", "J. Brisard"),
    "Spain": ("J. Martínez Munuera", "J. Gil Manzano", "A. Hernández Hernández",
              "C. del Cerro Grande", "J. Sánchez Martínez", "M. Melero López", "I. de Burgos"),
    "Germany": ("F. Zwayer", "D. Siebert", "T. Stieler", "S. Jablonski", "M. Jöllenbeck",
                "B. Osmers", "T. Welz", "S. Stegemann"),
    "Italy": ("M. Guida", "D. Doveri", "F. Maresca", "M. Chiffi", "D. Massa",
              "S. Sozza", "M. Mariani", "L. Pairetto"),
}
GENERIC_REFEREES: tuple[str, ...] = ("A. Novak", "J. Silva", "M. Petersen", "L. Costa",
                                     "K. Müller", "P. Jansen", "R. Kovač", "T. Andersen")

TOWNS: tuple[str, ...] = (
    "Ashford", "Bramley", "Calder", "Dunmore", "Eastleigh", "Fairhaven", "Glenrock", "Harwich",
    "Ironbridge", "Kingsport", "Lakeside", "Millbrook", "Northgate", "Oakridge", "Portwell",
    "Queensbury", "Riverside", "Stonebridge", "Thornbury", "Upton", "Valemont", "Westfield",
    "Yarmouth", "Zellwood", "Alderney", "Blackmoor", "Coldwater", "Deepdale", "Elmstead",
    "Foxhall", "Greystone", "Highcliff", "Kestrel Bay", "Longmead", "Marshfield", "Newbold",
)
SUFFIXES: tuple[str, ...] = ("United", "City", "Athletic", "Rovers", "Town", "Wanderers",
                             "Albion", "FC", "County", "Sporting")

# The provider's /odds/bookmakers list, as documented (odds_bookmakers__official_docs.json).
BOOKMAKERS: tuple[tuple[int, str], ...] = (
    (1, "10Bet"), (2, "Marathonbet"), (3, "Betfair"), (4, "Pinnacle"),
    (5, "Sport Betting Online"), (6, "Bwin"), (7, "William Hill"), (8, "Bet365"),
    (9, "Dafabet"), (10, "Ladbrokes"), (11, "1xBet"), (12, "BetFred"), (13, "188Bet"),
    (15, "Interwetten"), (16, "Unibet"),
)

# The ten bookmakers that price simulated fixtures, with their margin (overround - 1).
PRICING_BOOKMAKERS: tuple[tuple[int, str, float], ...] = (
    (4, "Pinnacle", 0.025),
    (3, "Betfair", 0.030),
    (11, "1xBet", 0.040),
    (2, "Marathonbet", 0.045),
    (9, "Dafabet", 0.050),
    (8, "Bet365", 0.055),
    (16, "Unibet", 0.060),
    (6, "Bwin", 0.065),
    (7, "William Hill", 0.070),
    (1, "10Bet", 0.080),
)
# Bookmakers that also quote "Exact Goals Number" (bet 38, integer values like the docs).
EXACT_GOALS_BOOKMAKERS: frozenset[int] = frozenset({6, 8, 11})

# /odds/bets catalogue: every bet named in the provider's documented samples and in the
# captured live entry (odds__real_fixture815162_bookmaker6.json), and Asian Handicap.
BETS: tuple[tuple[int, str], ...] = (
    (1, "Match Winner"), (2, "Home/Away"), (3, "Second Half Winner"), (4, "Asian Handicap"),
    (5, "Goals Over/Under"), (6, "Goals Over/Under First Half"), (7, "HT/FT Double"),
    (8, "Both Teams Score"), (9, "Handicap Result"), (10, "Exact Score"),
    (11, "Highest Scoring Half"), (12, "Double Chance"), (13, "First Half Winner"),
    (14, "Team To Score First"), (15, "Team To Score Last"), (16, "Total - Home"),
    (17, "Total - Away"), (18, "Handicap Result - First Half"),
    (20, "Double Chance - First Half"), (21, "Odd/Even"), (22, "Odd/Even - First Half"),
    (24, "Results/Both Teams Score"), (25, "Result/Total Goals"),
    (26, "Goals Over/Under - Second Half"), (27, "Clean Sheet - Home"), (28, "Clean Sheet - Away"),
    (29, "Win to Nil - Home"), (30, "Win to Nil - Away"), (31, "Correct Score - First Half"),
    (32, "Win Both Halves"), (33, "Double Chance - Second Half"), (34, "Both Teams Score - First Half"),
    (35, "Both Teams To Score - Second Half"), (38, "Exact Goals Number"),
    (40, "Home Team Exact Goals Number"), (41, "Away Team Exact Goals Number"),
    (42, "Second Half Exact Goals Number"), (43, "Home Team Score a Goal"),
    (44, "Away Team Score a Goal"), (45, "Corners Over Under"),
    (46, "Exact Goals Number - First Half"), (57, "Home Corners Over/Under"),
    (58, "Away Corners Over/Under"), (62, "Correct Score - Second Half"), (74, "10 Over/Under"),
)


def league_logo(league_id: int) -> str:
    return f"{MEDIA}/football/leagues/{league_id}.png"


# Leagues whose season is the calendar year (named after it), unlike August-May leagues.
CALENDAR_YEAR_LEAGUES: frozenset[int] = frozenset({253, 71})


def team_logo(team_id: int) -> str:
    return f"{MEDIA}/football/teams/{team_id}.png"


def flag_url(code: str | None) -> str | None:
    return None if code is None else f"{MEDIA}/flags/{code}.svg"
