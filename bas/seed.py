"""The BAS teams, directorates and menus the first migration makes (data a BAS manager then edits),
shared with the demo step, which links the demo's teams to their directorates."""

DEFAULT_TEAM = ("business-admin-support", "Business Admin Support", "Business admin requests, FOI and complaints")
TEAMS = [
    DEFAULT_TEAM,
    ("bas-environment", "Business Admin Support: Environment and Place",
     "Business admin for highways, parking, transport and environment teams"),
    ("bas-people", "Business Admin Support: People",
     "Business admin for children's and adults' services"),
    # A service team of the default directorate (Sue's, in the story): its colleagues ask business admin.
    ("property", "Property Services", "The council's land and buildings: estates, leases and facilities"),
]
# (slug, name, BAS team, member team slugs linked where those teams exist, default?)
DIRECTORATES = [
    ("customers-resources", "Customers, Organisational Development and Resources", "business-admin-support",
     ["contact-centre", "business-admin-support", "provision", "performance-insight", "property"], True),
    ("environment-place", "Environment and Place", "bas-environment",
     ["highways-north", "highways-south", "parking-services", "environmental-enforcement", "bas-environment"], False),
    ("people", "Children's and Adults' Services", "bas-people",
     ["blue-badge-concessions", "mash", "bas-people"], False),
]
MENUS = [
    ("generic", "Business admin services", "What every BAS team does for any colleague", True, 1),
    ("environment-place", "Environment and Place services", "Specialist admin for highways and transport teams",
     False, 2),
    ("people", "Children's and Adults' services", "Specialist admin for social care and education teams", False, 3),
]
# (menu, code, name, target working days, team slug or None (the requester's directorate), description, provide)
ITEMS = [
    ("generic", "document-drafting", "Document drafting and formatting", 5, None,
     "Letters, reports and guidance drafted from your notes, or your draft formatted to the council's style.",
     "Your notes or draft, who it is for, and any template it must follow."),
    ("generic", "minute-taking", "Minute taking", 3, None,
     "An officer takes the minutes of your meeting and sends the draft within the target after it.",
     "The meeting date, time, place or link, the agenda and who is invited."),
    ("generic", "diary-booking", "Diary and meeting booking", 2, None,
     "Finding a time that suits everyone, booking rooms and sending the invitations.",
     "Who must attend, how long, the earliest and latest dates, and any room needs."),
    ("generic", "data-entry", "Data entry and bulk uploads", 5, None,
     "Keying forms or records into a council system, or preparing a spreadsheet for a bulk upload.",
     "The system, the records or forms, and the deadline they must be in by."),
    ("generic", "mail-scanning", "Mail and scanning", 2, None,
     "Scanning, indexing and sending on post, and posting out letters in bulk.",
     "What is to be scanned or sent, how many items, and where it should go."),
    ("generic", "purchase-orders", "Purchase orders", 3, None,
     "Raising a purchase order for goods or services you have agreed with a supplier.",
     "The supplier, what is being bought, the cost code and the amount."),
    ("generic", "presentations", "Presentations", 5, None,
     "A slide deck drafted from your key points, or your slides tidied to the council's template.",
     "The audience, the key points, how long you will speak and when you present."),
    ("environment-place", "streetworks-notices", "Streetworks and traffic order notices", 10, "bas-environment",
     "Public notices for temporary traffic orders and streetworks drafted, checked and sent for publication.",
     "The road, the dates, the order type and the officer who signs it off."),
    ("people", "panel-papers", "Panel papers", 5, "bas-people",
     "Papers for a care, placement or funding panel gathered, checked and circulated to members.",
     "The panel date, the case references and the reports to include."),
]
