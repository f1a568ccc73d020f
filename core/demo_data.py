"""The demo contact centre: three teams of agents with accented names, their leads, agent
groups by language, product and clearance, skills, routing points and queues.

Demo-only logins (password `demo`): `agent`, `lead`, `admin`.
"""

from __future__ import annotations

DEMO_PASSWORD = "demo"

TEAMS = ("Support Paris", "Ventes Lyon", "Back Office Montréal")

# (username, display name, team index); `agent` is the fixed demo login.
AGENTS = (
    ("agent", "Camille Martin", 0),
    ("marie.dupont", "Marie Dupont", 0),
    ("helene.durand", "Hélène Durand", 0),
    ("francois.lefevre", "François Lefèvre", 0),
    ("zoe.moreau", "Zoë Moreau", 0),
    ("noemie.garcia", "Noémie García", 0),
    ("jerome.petit", "Jérôme Petit", 0),
    ("ines.roux", "Inès Roux", 0),
    ("loic.fournier", "Loïc Fournier", 0),
    ("celine.girard", "Céline Girard", 0),
    ("andre.bonnet", "André Bonnet", 0),
    ("elodie.mercier", "Élodie Mercier", 0),
    ("gaetan.blanc", "Gaëtan Blanc", 0),
    ("beatrice.faure", "Béatrice Faure", 0),
    ("jose.munoz", "José Muñoz", 1),
    ("bjorn.ostergaard", "Bjørn Østergaard", 1),
    ("jurgen.muller", "Jürgen Müller", 1),
    ("anais.chevalier", "Anaïs Chevalier", 1),
    ("raphael.dupuis", "Raphaël Dupuis", 1),
    ("oceane.lambert", "Océane Lambert", 1),
    ("mael.fontaine", "Maël Fontaine", 1),
    ("agnes.rousseau", "Agnès Rousseau", 1),
    ("cedric.vincent", "Cédric Vincent", 1),
    ("lea.muller", "Léa Muller", 1),
    ("sebastien.morel", "Sébastien Morel", 1),
    ("chloe.andre", "Chloé André", 1),
    ("joel.masson", "Joël Masson", 1),
    ("renee.picard", "Renée Picard", 1),
    ("francoise.gauthier", "Françoise Gauthier", 2),
    ("eloise.tremblay", "Éloïse Tremblay", 2),
    ("gael.gagnon", "Gaël Gagnon", 2),
    ("melanie.cote", "Mélanie Côté", 2),
    ("stephane.bouchard", "Stéphane Bouchard", 2),
    ("therese.leblanc", "Thérèse Leblanc", 2),
    ("emeric.pelletier", "Émeric Pelletier", 2),
    ("aurelie.belanger", "Aurélie Bélanger", 2),
    ("frederic.levesque", "Frédéric Lévesque", 2),
    ("genevieve.bergeron", "Geneviève Bergeron", 2),
    ("herve.paquette", "Hervé Paquette", 2),
    ("oscar.nunez", "Óscar Núñez", 2),
    ("soren.kierkegaard", "Søren Lindqvist", 2),
    ("zoe.lemaire", "Zoé Lemaire", 2),
)

# (username, display name, indexes of the teams they lead); `lead` is the fixed demo login.
LEADS = (
    ("lead", "Sophie Leclerc", (0,)),
    ("lead.lyon", "Mathéo Rivière", (1,)),
    ("lead.montreal", "Maëlle Ouellet", (2,)),
)

ADMINS = (("admin", "Ada Administratrice"),)

# Agent groups (GRP1): name, whether availability is shown (GRP2), member usernames.
AGENT_GROUPS = (
    ("Français", True, ("agent", "marie.dupont", "helene.durand", "francois.lefevre", "zoe.moreau",
                        "francoise.gauthier", "eloise.tremblay", "gael.gagnon", "melanie.cote")),
    ("Español", True, ("noemie.garcia", "jose.munoz", "oscar.nunez", "agent")),
    ("Deutsch", True, ("jurgen.muller", "lea.muller", "bjorn.ostergaard")),
    ("English", True, ("agent", "marie.dupont", "soren.kierkegaard", "genevieve.bergeron",
                       "raphael.dupuis", "cedric.vincent")),
    ("Mortgages", True, ("jerome.petit", "ines.roux", "anais.chevalier", "stephane.bouchard")),
    ("Credit Cards", False, ("loic.fournier", "celine.girard", "oceane.lambert", "therese.leblanc")),
    ("Insurance", True, ("andre.bonnet", "elodie.mercier", "mael.fontaine", "emeric.pelletier")),
    ("Security Clearance Level 2", False, ("gaetan.blanc", "beatrice.faure", "aurelie.belanger",
                                          "frederic.levesque")),
)

SKILLS = (
    ("Billing", ("marie.dupont", "jerome.petit", "agnes.rousseau", "herve.paquette")),
    ("Retention", ("zoe.moreau", "sebastien.morel", "chloe.andre")),
    ("Technical Support", ("agent", "helene.durand", "joel.masson", "renee.picard", "zoe.lemaire")),
)

# Routing points and interaction queues: name, address, member usernames (who they reach).
ROUTING_POINTS = (
    ("Sales Hotline", "5000", ("jose.munoz", "anais.chevalier", "raphael.dupuis", "oceane.lambert")),
    ("Support Line", "5100", ("agent", "marie.dupont", "helene.durand", "francois.lefevre")),
)

INTERACTION_QUEUES = (
    ("Support", "queue:support", ("agent", "marie.dupont", "helene.durand", "zoe.moreau", "noemie.garcia")),
    ("Email Back Office", "queue:email", ("francoise.gauthier", "eloise.tremblay", "gael.gagnon")),
    ("Chat Sales", "queue:chat-sales", ("jose.munoz", "mael.fontaine", "cedric.vincent")),
)
