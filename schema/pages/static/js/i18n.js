// One message catalogue for every page, English and French (the help page's language), chosen
// by the browser's language.
const CATALOGUE = {
  en: {
    "app.desk": "Agent desktop", "app.wallboard": "Wallboard", "app.home": "Backline",
    "signin.title": "Sign in", "signin.username": "Username", "signin.password": "Password",
    "signin.submit": "Sign in", "signout": "Sign out",
    "conn.online": "Connected", "conn.offline": "Reconnecting…",
    "presence.title": "My presence", "presence.login": "Log in", "presence.logout": "Log out",
    "presence.ready": "Ready", "presence.notready": "Not ready", "presence.reason": "Reason",
    "presence.wrapup": "Wrap-up",
    "state.LOGGED_OFF": "Logged off", "state.READY": "Ready", "state.NOT_READY": "Not ready", "state.BUSY": "Busy",
    "state.WRAP_UP": "Wrap-up", "state.AFTER_CALL_WORK": "Wrap-up",
    "since": "since {time}",
    "offers.title": "Ringing for me", "offers.none": "Nothing is ringing.", "offers.accept": "Accept",
    "offers.decline": "Decline", "offers.from": "from {name}", "offers.via": "via {via}",
    "offer.CUSTOMER_CONTACT": "Customer contact", "offer.CONSULTATION": "Consultation", "offer.TRANSFER": "Transfer",
    "offer.CONFERENCE": "Conference invitation", "offer.INTERNAL_CALL": "Internal call", "offer.IM_REQUEST": "Instant message",
    "calls.title": "My interactions", "calls.none": "No interaction in progress.",
    "call.hold": "Hold", "call.retrieve": "Retrieve", "call.alternate": "Alternate", "call.release": "Release",
    "call.keypad": "Keypad digits", "call.send": "Send", "call.sent": "Sent: {digits}", "call.transferOf": "Transfer", "call.conferenceOf": "Conference",
    "call.endConsultation": "End consultation and retrieve", "call.completeTransfer": "Complete as transfer",
    "call.completeConference": "Complete as conference", "call.mute": "Mute", "call.unmute": "Unmute",
    "call.remove": "Remove", "call.done": "Mark done", "call.internal": "Internal note",
    "call.message": "Message", "call.select": "Work on this", "call.selected": "Selected",
    "call.parties": "Parties", "call.history": "Events",
    "party.ALERTING": "ringing", "party.CONNECTED": "connected", "party.HELD": "on hold", "party.LEFT": "left",
    "tc.title": "Team Communicator", "tc.search": "Search a colleague, group, queue…", "tc.none": "No match.",
    "tc.for": "Actions apply to interaction {id}.",
    "action.CALL": "Call", "action.INSTANT_MESSAGE": "Instant message", "action.CONSULT": "Consult",
    "action.CONFERENCE": "Conference", "action.TRANSFER": "Transfer", "action.TRANSFER_TO_VOICEMAIL": "Transfer to voicemail",
    "tc.imText": "Instant message text", "tc.available": "{n} of {m} available on {channel}",
    "messages.title": "My Messages", "messages.unread": "{n} unread", "messages.read": "Mark read",
    "messages.none": "No message.", "messages.new": "New message",
    "vm.title": "Voicemail", "vm.waiting": "Message waiting", "vm.call": "Call voicemail",
    "vm.pin": "PIN (keypad)", "vm.hangup": "Hang up", "vm.new": "{n} new", "vm.session": "Voicemail session: {state}",
    "vm.tries": "{n} tries left", "vm.messages": "Messages", "vm.none": "No voicemail.",
    "vm.from": "from {caller} ({s} s)", "vm.heard": "Mark heard", "vm.rejected": "wrong PIN",
    "vm.state.AUTHENTICATING": "type your PIN", "vm.state.OPEN": "open", "vm.state.LOCKED": "locked",
    "vm.state.CLOSED": "closed",
    "wrap.title": "Wrap-up", "wrap.codes": "Disposition codes", "wrap.note": "Note", "wrap.complete": "Complete wrap-up",
    "wb.agents": "Agents", "wb.agent": "Agent", "wb.current": "Current interaction", "wb.groups": "Group availability",
    "wb.queues": "Waiting requests", "wb.queue": "Queue", "wb.waiting": "Waiting", "wb.longest": "Longest wait",
    "wb.charts": "The last hour", "wb.chartAgents": "Agents by state", "wb.chartQueue": "Waiting requests",
    "wb.monitor": "Monitor", "wb.coach": "Coach", "wb.barge": "Barge in", "wb.stop": "Stop",
    "wb.supervising": "Supervising {name}: {mode}", "wb.notSupervisor": "The wallboard is for supervisors.",
    "wb.team": "Team", "wb.none": "—",
    "home.title": "Backline", "home.intro": "The internal side of a contact centre, in the browser.",
    "home.desk": "Agent desktop: presence, what rings, calls, chats, IM, messages.",
    "home.wallboard": "Wallboard for supervisors: agents, queues, charts, monitoring.",
    "home.graphiql": "GraphiQL: the GraphQL API.", "home.logins": "Demo logins (password demo)",
    "error": "Error: {message}",
  },
  fr: {
    "app.desk": "Poste agent", "app.wallboard": "Tableau de bord", "app.home": "Backline",
    "signin.title": "Connexion", "signin.username": "Identifiant", "signin.password": "Mot de passe",
    "signin.submit": "Se connecter", "signout": "Se déconnecter",
    "conn.online": "Connecté", "conn.offline": "Reconnexion…",
    "presence.title": "Ma présence", "presence.login": "Se connecter", "presence.logout": "Se déconnecter",
    "presence.ready": "Prêt", "presence.notready": "Pas prêt", "presence.reason": "Motif",
    "presence.wrapup": "Post-appel",
    "state.LOGGED_OFF": "Déconnecté", "state.READY": "Prêt", "state.NOT_READY": "Pas prêt", "state.BUSY": "Occupé",
    "state.WRAP_UP": "Post-appel", "state.AFTER_CALL_WORK": "Post-appel",
    "since": "depuis {time}",
    "offers.title": "Ce qui sonne pour moi", "offers.none": "Rien ne sonne.", "offers.accept": "Accepter",
    "offers.decline": "Refuser", "offers.from": "de {name}", "offers.via": "via {via}",
    "offer.CUSTOMER_CONTACT": "Contact client", "offer.CONSULTATION": "Consultation", "offer.TRANSFER": "Transfert",
    "offer.CONFERENCE": "Invitation en conférence", "offer.INTERNAL_CALL": "Appel interne", "offer.IM_REQUEST": "Message instantané",
    "calls.title": "Mes interactions", "calls.none": "Aucune interaction en cours.",
    "call.hold": "Mettre en garde", "call.retrieve": "Reprendre", "call.alternate": "Basculer", "call.release": "Raccrocher",
    "call.keypad": "Touches du clavier", "call.send": "Envoyer", "call.sent": "Envoyé : {digits}", "call.transferOf": "Transférer", "call.conferenceOf": "Conférence",
    "call.endConsultation": "Terminer la consultation et reprendre", "call.completeTransfer": "Terminer en transfert",
    "call.completeConference": "Terminer en conférence", "call.mute": "Couper le micro", "call.unmute": "Rétablir le micro",
    "call.remove": "Retirer", "call.done": "Marquer terminé", "call.internal": "Note interne",
    "call.message": "Message", "call.select": "Travailler dessus", "call.selected": "Sélectionnée",
    "call.parties": "Participants", "call.history": "Événements",
    "party.ALERTING": "sonne", "party.CONNECTED": "connecté", "party.HELD": "en garde", "party.LEFT": "parti",
    "tc.title": "Team Communicator", "tc.search": "Chercher un collègue, un groupe, une file…", "tc.none": "Aucun résultat.",
    "tc.for": "Les actions portent sur l'interaction {id}.",
    "action.CALL": "Appeler", "action.INSTANT_MESSAGE": "Message instantané", "action.CONSULT": "Consulter",
    "action.CONFERENCE": "Conférence", "action.TRANSFER": "Transférer", "action.TRANSFER_TO_VOICEMAIL": "Transférer sur la messagerie",
    "tc.imText": "Texte du message instantané", "tc.available": "{n} sur {m} disponibles en {channel}",
    "messages.title": "Mes messages", "messages.unread": "{n} non lus", "messages.read": "Marquer lu",
    "messages.none": "Aucun message.", "messages.new": "Nouveau message",
    "vm.title": "Messagerie vocale", "vm.waiting": "Message en attente", "vm.call": "Appeler la messagerie",
    "vm.pin": "Code (clavier)", "vm.hangup": "Raccrocher", "vm.new": "{n} nouveaux", "vm.session": "Messagerie : {state}",
    "vm.tries": "{n} essais restants", "vm.messages": "Messages", "vm.none": "Aucun message vocal.",
    "vm.from": "de {caller} ({s} s)", "vm.heard": "Marquer écouté", "vm.rejected": "code erroné",
    "vm.state.AUTHENTICATING": "tapez votre code", "vm.state.OPEN": "ouverte", "vm.state.LOCKED": "verrouillée",
    "vm.state.CLOSED": "fermée",
    "wrap.title": "Post-appel", "wrap.codes": "Codes de qualification", "wrap.note": "Note", "wrap.complete": "Terminer le post-appel",
    "wb.agents": "Agents", "wb.agent": "Agent", "wb.current": "Interaction en cours", "wb.groups": "Disponibilité des groupes",
    "wb.queues": "Demandes en attente", "wb.queue": "File", "wb.waiting": "En attente", "wb.longest": "Plus longue attente",
    "wb.charts": "La dernière heure", "wb.chartAgents": "Agents par état", "wb.chartQueue": "Demandes en attente",
    "wb.monitor": "Écouter", "wb.coach": "Coacher", "wb.barge": "Intervenir", "wb.stop": "Arrêter",
    "wb.supervising": "Supervision de {name} : {mode}", "wb.notSupervisor": "Le tableau de bord est réservé aux superviseurs.",
    "wb.team": "Équipe", "wb.none": "—",
    "home.title": "Backline", "home.intro": "Le côté interne d'un centre de contacts, dans le navigateur.",
    "home.desk": "Poste agent : présence, ce qui sonne, appels, chats, messages instantanés, messages.",
    "home.wallboard": "Tableau de bord des superviseurs : agents, files, graphiques, écoute.",
    "home.graphiql": "GraphiQL : l'API GraphQL.", "home.logins": "Comptes de démonstration (mot de passe demo)",
    "error": "Erreur : {message}",
  },
};

export const lang = (navigator.language || "en").toLowerCase().startsWith("fr") ? "fr" : "en";
document.documentElement.lang = lang;

/** The message for `key` in the browser's language, with `{name}` placeholders filled. */
export function t(key, vars = {}) {
  const text = CATALOGUE[lang][key] ?? CATALOGUE.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

export function time(iso) {
  return iso ? new Date(iso).toLocaleTimeString(lang, { hour: "2-digit", minute: "2-digit", second: "2-digit" }) : "";
}

/** Fills elements marked data-i18n="key" (the static parts of a page). */
export function translateStatic(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
}
