// The reference agent desktop (WEB1), on the public GraphQL API only.
import { act, gql, session, stream } from "./api.js";
import { t, time } from "./i18n.js";
import { ErrorLine, Page, guarded, html, render, useEffect, useRef, useState } from "./ui.js";
import { EVENT_FIELDS, describeEvent } from "./events.js";

const R = "__typename ... on Error { code message }";
const INTERACTION = `id channel kind state inbound parentId destination endReason createdAt
  context { key value } contact { key value } allowedOperations
  parties { id userId address displayName role state muted removed allowedActions }`;
const IR = `${R} ... on Interaction { id }`;

const Q = {
  presence: "{ channels { name displayName operations } myPresence { channel state reason since } reasonCodes }",
  presenceLive: `subscription($me: [ID!], $after: String) { presenceChanged(agentIds: $me, after: $after) {
    channel state reason since cursor } }`,
  offers: "{ myOffers { id kind channel interactionId via fromName fromAddress context { key value } ringsUntil } }",
  offersLive: `subscription($after: String) { myOfferUpdates(after: $after) { offerId outcome cursor
    offer { id kind channel interactionId via fromName fromAddress context { key value } ringsUntil } } }`,
  mine: `{ myInteractions(first: 20) { edges { node { ${INTERACTION} } } }
    myWrapUps { id interactionId channel since endsAt dispositionCodes } }`,
  events: `subscription($after: String) { interactionEvents(after: $after) { ${EVENT_FIELDS} } }`,
  directory: `query($s: String, $i: ID) { directory(search: $s, first: 8, interactionId: $i) { edges { node {
    id kind name userId presence { channel state reason since }
    availability { channel available members }
    actions { kind available channels reason } } } } }`,
  lines: `query($i: ID!) { transcript(interactionId: $i, first: 100) { edges { node {
    id authorName audience text details writtenAt attachments { id name size downloadUrl } } } } }`,
  linesLive: `subscription($i: ID, $after: String) { transcriptLines(interactionId: $i, after: $after) {
    id authorName audience text details writtenAt attachments { id name size downloadUrl } cursor } }`,
  messages: "{ myMessages(first: 20) { unreadCount edges { node { id kind priority title text read sentAt } } } }",
  messagesLive: "subscription($after: String) { messageReceived(after: $after) { id kind priority title text read sentAt cursor } }",
  mailboxes: "{ mailboxes { id name kind newCount totalCount messageWaiting } }",
  mailboxesLive: "subscription($after: String) { mailboxChanged(after: $after) { id name kind newCount totalCount messageWaiting cursor } }",
  voicemails: "query($s: ID!) { voicemails(sessionId: $s, first: 20) { edges { node { id caller durationSeconds leftAt heard } } } }",
};

const M = {
  logIn: `mutation($c: String!) { r: logIn(channel: $c, ready: false) { ${R} } }`,
  logOut: `mutation($c: String!) { r: logOut(channel: $c) { ${R} } }`,
  ready: `mutation($c: String!) { r: setReady(channel: $c) { ${R} } }`,
  notReady: `mutation($c: String!, $why: String) { r: setNotReady(channel: $c, reason: $why) { ${R} } }`,
  accept: `mutation($id: ID!) { r: acceptOffer(offerId: $id) { ${IR} } }`,
  decline: `mutation($id: ID!) { r: declineOffer(offerId: $id) { ${IR} } }`,
  byId: (name) => `mutation($id: ID!) { r: ${name}(interactionId: $id) { ${IR} } }`,
  endConsult: `mutation($id: ID!) { r: endConsultationAndRetrieve(consultationId: $id) { ${IR} } }`,
  complete: `mutation($id: ID!, $as: ConsultationCompletion!) { r: completeConsultation(consultationId: $id, as: $as) { ${IR} } }`,
  dtmf: `mutation($id: ID!, $d: String!) { r: sendDtmf(interactionId: $id, digits: $d) { ${IR} } }`,
  mute: `mutation($id: ID!, $p: ID!) { r: muteParty(interactionId: $id, partyId: $p) { ${IR} } }`,
  unmute: `mutation($id: ID!, $p: ID!) { r: unmuteParty(interactionId: $id, partyId: $p) { ${IR} } }`,
  remove: `mutation($id: ID!, $p: ID!) { r: removeFromConference(interactionId: $id, partyId: $p) { ${IR} } }`,
  send: `mutation($id: ID!, $text: String!, $internal: Boolean!) { r: sendMessage(interactionId: $id, text: $text, internal: $internal) { ${R} } }`,
  done: `mutation($id: ID!) { r: markDone(interactionId: $id) { ${IR} } }`,
  wrapUp: `mutation($id: ID!, $codes: [String!], $note: String) { r: completeWrapUp(interactionId: $id, codes: $codes, note: $note) { ${R} } }`,
  read: `mutation($id: ID!) { r: markMessageRead(id: $id) { ${R} } }`,
  openVm: `mutation($m: ID!) { r: openVoicemail(mailboxId: $m) { ${R} ... on VoicemailSession { id state triesLeft pinRejected } } }`,
  vmDtmf: `mutation($s: ID!, $d: String!) { r: sendVoicemailDtmf(sessionId: $s, digits: $d) { ${R} ... on VoicemailSession { id state triesLeft pinRejected } } }`,
  closeVm: `mutation($s: ID!) { r: closeVoicemail(sessionId: $s) { ${R} ... on VoicemailSession { id state triesLeft pinRejected } } }`,
  heard: `mutation($s: ID!, $v: ID!) { r: markVoicemailHeard(sessionId: $s, voicemailId: $v) { ${R} ... on Voicemail { id heard } } }`,
  // The Action menu's kinds, each the mutation it stands for (the server says which are available).
  CALL: `mutation($t: ID!, $c: String) { r: callTarget(targetId: $t, channel: $c) { ${IR} } }`,
  CONSULT: `mutation($i: ID!, $t: ID!, $c: String) { r: startConsultation(interactionId: $i, targetId: $t, channel: $c) { ${IR} } }`,
  CONFERENCE: `mutation($i: ID!, $t: ID!) { r: addToConference(interactionId: $i, targetId: $t) { ${IR} } }`,
  TRANSFER: `mutation($i: ID!, $t: ID!) { r: transfer(interactionId: $i, targetId: $t) { ${IR} } }`,
  TRANSFER_TO_VOICEMAIL: `mutation($i: ID!, $t: ID!) { r: transfer(interactionId: $i, targetId: $t) { ${IR} } }`,
  INSTANT_MESSAGE: `mutation($t: ID!, $text: String!) { r: sendInstantMessage(targetId: $t, text: $text) { ${IR} } }`,
};

const TEXT_CHANNELS = new Set(["chat", "email", "im"]);

function Since({ since }) { return since ? html`<small> ${t("since", { time: time(since) })}</small>` : null; }
function StateBadge({ state }) { return html`<span class=${"state s-" + state}>${t("state." + state)}</span>`; }

function Presence({ me }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const reasons = useRef({});
  useEffect(() => {
    gql(Q.presence).then(setData, (e) => setError(e.message));
    return stream(Q.presenceLive, { me: [me.id] }, "presenceChanged", (change) =>
      setData((d) => d && { ...d, myPresence: d.myPresence.map((p) => p.channel === change.channel ? change : p) }));
  }, []);
  if (!data) return html`<${ErrorLine} error=${error} />`;
  const run = (mutation, vars) => guarded(setError, () => act(mutation, vars))();
  return html`<section class="card" aria-labelledby="presence-h"><h2 id="presence-h">${t("presence.title")}</h2>
    <table class="presence"><tbody>${data.myPresence.map((p) => html`<tr data-channel=${p.channel}>
      <th scope="row">${p.channel}</th><td><${StateBadge} state=${p.state} />${p.reason ? ` (${p.reason})` : ""}<${Since} since=${p.since} /></td>
      <td>${p.state === "LOGGED_OFF"
        ? html`<button onClick=${() => run(M.logIn, { c: p.channel })}>${t("presence.login")}</button>`
        : html`<button onClick=${() => run(M.ready, { c: p.channel })} data-action="ready">${t("presence.ready")}</button>
          <select aria-label=${t("presence.reason")} onChange=${(e) => { reasons.current[p.channel] = e.target.value; }}>
            ${data.reasonCodes.map((r) => html`<option>${r}</option>`)}</select>
          <button onClick=${() => run(M.notReady, { c: p.channel, why: reasons.current[p.channel] || data.reasonCodes[0] || null })}>${t("presence.notready")}</button>
          <button onClick=${() => run(M.logOut, { c: p.channel })}>${t("presence.logout")}</button>`}</td></tr>`)}
    </tbody></table><${ErrorLine} error=${error} /></section>`;
}

function Offers({ onChange }) {
  const [offers, setOffers] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    const load = () => gql(Q.offers).then((d) => setOffers(d.myOffers), (e) => setError(e.message));
    load();
    return stream(Q.offersLive, {}, "myOfferUpdates", (u) => {
      setOffers((list) => u.outcome === "RINGING" && u.offer
        ? [...list.filter((o) => o.id !== u.offer.id), u.offer]
        : list.filter((o) => o.id !== u.offerId));
      onChange();
    }, { onReset: load });
  }, []);
  const answer = (mutation, id) => guarded(setError, async () => { await act(mutation, { id }); setOffers((l) => l.filter((o) => o.id !== id)); onChange(); })();
  return html`<section class="card ringing" aria-labelledby="offers-h" aria-live="polite"><h2 id="offers-h">${t("offers.title")}</h2>
    ${offers.length === 0 ? html`<p class="muted">${t("offers.none")}</p>` : offers.map((o) => html`<article class="offer" data-testid="offer" data-kind=${o.kind}>
      <strong>${t("offer." + o.kind)}</strong> (${o.channel}) ${t("offers.from", { name: o.fromName })}${o.fromAddress ? ` <${o.fromAddress}>` : ""}
      <small> ${t("offers.via", { via: o.via })}</small>
      ${o.context.length > 0 && html`<dl>${o.context.map((kv) => html`<dt>${kv.key}</dt><dd>${kv.value}</dd>`)}</dl>`}
      <div class="buttons"><button class="primary" onClick=${() => answer(M.accept, o.id)}>${t("offers.accept")}</button>
      <button onClick=${() => answer(M.decline, o.id)}>${t("offers.decline")}</button></div></article>`)}
    <${ErrorLine} error=${error} /></section>`;
}

/** An e-mail's attachment: its URL takes the same bearer token as /graphql, so it is fetched
 * with it and handed to the browser as a file. */
async function download(attachment) {
  const response = await fetch(attachment.downloadUrl, { headers: { Authorization: `Bearer ${session.token}` } });
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = attachment.name;
  link.click();
  URL.revokeObjectURL(link.href);
}

function Transcript({ interaction }) {
  const [lines, setLines] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    gql(Q.lines, { i: interaction.id }).then((d) => setLines(d.transcript.edges.map((e) => e.node)), (e) => setError(e.message));
    return stream(Q.linesLive, { i: interaction.id }, "transcriptLines", (line) =>
      setLines((l) => l.some((x) => x.id === line.id) ? l : [...l, line]));
  }, [interaction.id]);
  const send = guarded(setError, async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const text = form.text.value;
    // Cleared as the line leaves, not when the server answers: what the agent types meanwhile
    // is the next line, and must not be wiped by this one's answer.
    form.text.value = "";
    try {
      await act(M.send, { id: interaction.id, text, internal: form.internal.checked });
    } catch (error) {
      if (!form.text.value) form.text.value = text; // not sent: given back to be sent again
      throw error;
    }
  });
  return html`<div class="transcript"><ol aria-label=${t("call.message")}>${lines.map((l) => html`<li class=${l.audience === "INTERNAL" ? "internal" : ""}>
      <b>${l.authorName}</b> <small>${time(l.writtenAt)}</small>
      ${l.details && l.details.subject ? html` <i>${l.details.subject}</i>` : ""}: ${l.text}
      ${l.attachments.length > 0 && html`<ul>${l.attachments.map((a) => html`<li><button class="link" onClick=${() => download(a)}>📎 ${a.name}</button> (${a.size} B)</li>`)}</ul>`}</li>`)}</ol>
    <form onSubmit=${send}><label>${t("call.message")} <input name="text" required /></label>
      <label><input type="checkbox" name="internal" /> ${t("call.internal")}</label>
      <button type="submit">${t("call.send")}</button></form><${ErrorLine} error=${error} /></div>`;
}

function InteractionCard({ me, it, selected, onSelect, refresh }) {
  const [error, setError] = useState(null);
  const [sent, setSent] = useState(null); // the keypad digits last sent, said back to the agent
  const mine = it.parties.find((p) => p.userId === me.id && p.state !== "LEFT");
  const ops = new Set(it.allowedOperations);
  const run = (mutation, vars) => guarded(setError, async () => { await act(mutation, vars); refresh(); })();
  const dtmf = guarded(setError, async (event) => {
    event.preventDefault();
    const f = event.currentTarget;
    const d = f.digits.value;
    f.digits.value = "";
    await act(M.dtmf, { id: it.id, d });
    setSent(d);
  });
  const starter = it.kind === "CONSULTATION" && mine && mine.role === "OWNER";
  return html`<article class=${"card interaction" + (selected ? " selected" : "")} data-testid="interaction" data-id=${it.id}
      data-channel=${it.channel} data-kind=${it.kind} aria-label=${`${it.channel} ${it.kind} ${it.id}`}>
    <h3>${it.channel} · ${it.kind} · ${it.state} <button class="link" aria-pressed=${selected} onClick=${() => onSelect(it.id)}>
      ${selected ? t("call.selected") : t("call.select")}</button></h3>
    ${it.context.length > 0 && html`<dl>${it.context.map((kv) => html`<dt>${kv.key}</dt><dd>${kv.value}</dd>`)}</dl>`}
    <ul class="parties" aria-label=${t("call.parties")}>${it.parties.filter((p) => p.state !== "LEFT").map((p) => html`<li data-party=${p.displayName} data-state=${p.state}>
      ${p.displayName} <small>${p.role}</small> <span class=${"pstate p-" + p.state}>${t("party." + p.state)}</span>${p.muted ? " 🔇" : ""}
      ${p !== mine && ops.has("CONFERENCE") && it.parties.filter((x) => x.state !== "LEFT").length > 2
        && p.allowedActions.includes("MUTE") && html`
        <button onClick=${() => run(p.muted ? M.unmute : M.mute, { id: it.id, p: p.id })}>${p.muted ? t("call.unmute") : t("call.mute")}</button>`}
      ${p.allowedActions.includes("REMOVE") && html`
        <button onClick=${() => run(M.remove, { id: it.id, p: p.id })}>${t("call.remove")}</button>`}</li>`)}</ul>
    <div class="buttons">
      ${mine && mine.state === "CONNECTED" && ops.has("HOLD") && html`<button onClick=${() => run(M.byId("hold"), { id: it.id })}>${t("call.hold")}</button>`}
      ${mine && mine.state === "HELD" && html`<button onClick=${() => run(M.byId("retrieve"), { id: it.id })}>${t("call.retrieve")}</button>
        <button onClick=${() => run(M.byId("alternate"), { id: it.id })}>${t("call.alternate")}</button>`}
      ${starter && html`<button onClick=${() => run(M.endConsult, { id: it.id })}>${t("call.endConsultation")}</button>
        <button class="primary" onClick=${() => run(M.complete, { id: it.id, as: "TRANSFER" })}>${t("call.completeTransfer")}</button>
        <button onClick=${() => run(M.complete, { id: it.id, as: "CONFERENCE" })}>${t("call.completeConference")}</button>`}
      ${TEXT_CHANNELS.has(it.channel) && html`<button onClick=${() => run(M.done, { id: it.id })}>${t("call.done")}</button>`}
      <button class="danger" onClick=${() => run(M.byId("release"), { id: it.id })}>${t("call.release")}</button>
    </div>
    ${ops.has("DTMF") && html`<form class="keypad" onSubmit=${dtmf}><label>${t("call.keypad")} <input name="digits" pattern="[0-9*#]+" inputmode="tel" required /></label>
      <button type="submit">${t("call.send")}</button>${sent && html` <small role="status" data-testid="dtmf-sent">${t("call.sent", { digits: sent })}</small>`}</form>`}
    ${TEXT_CHANNELS.has(it.channel) && html`<${Transcript} interaction=${it} />`}
    <${ErrorLine} error=${error} /></article>`;
}

function WrapUp({ wrap, refresh }) {
  const [error, setError] = useState(null);
  const submit = guarded(setError, async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const codes = [...form.querySelectorAll("input[name=code]:checked")].map((c) => c.value);
    await act(M.wrapUp, { id: wrap.interactionId, codes, note: form.note.value || null });
    refresh();
  });
  return html`<form class="card wrapup" data-testid="wrapup" onSubmit=${submit} aria-labelledby=${"wrap-" + wrap.id}>
    <h3 id=${"wrap-" + wrap.id}>${t("wrap.title")} · ${wrap.channel} <${Since} since=${wrap.since} /></h3>
    <fieldset><legend>${t("wrap.codes")}</legend>${wrap.dispositionCodes.map((c) => html`<label><input type="checkbox" name="code" value=${c} /> ${c}</label>`)}</fieldset>
    <label>${t("wrap.note")} <textarea name="note" rows="2"></textarea></label>
    <button type="submit" class="primary">${t("wrap.complete")}</button><${ErrorLine} error=${error} /></form>`;
}

function Interactions({ me, selected, onSelect, tick, refresh }) {
  const [data, setData] = useState({ items: [], wraps: [], log: [] });
  const [error, setError] = useState(null);
  useEffect(() => {
    gql(Q.mine).then((d) => {
      const items = d.myInteractions.edges.map((e) => e.node);
      setData((s) => ({ ...s, items, wraps: d.myWrapUps }));
      // The Team Communicator's actions apply to the selected interaction: by default the
      // newest one the agent is connected to.
      if (!items.some((it) => it.id === selected)) {
        const live = items.find((it) => it.parties.some((p) => p.userId === me.id && p.state === "CONNECTED"));
        onSelect(live ? live.id : null);
      }
    }, (e) => setError(e.message));
  }, [tick]);
  useEffect(() => stream(Q.events, {}, "interactionEvents", (event) => {
    setData((s) => ({ ...s, log: [describeEvent(event) + " · " + event.interactionId, ...s.log].slice(0, 8) }));
    refresh();
  }), []);
  return html`<section class="card" aria-labelledby="calls-h"><h2 id="calls-h">${t("calls.title")}</h2>
    ${data.items.length === 0 && data.wraps.length === 0 && html`<p class="muted">${t("calls.none")}</p>`}
    ${data.items.map((it) => html`<${InteractionCard} key=${it.id} me=${me} it=${it} selected=${selected === it.id} onSelect=${onSelect} refresh=${refresh} />`)}
    ${data.wraps.map((w) => html`<${WrapUp} key=${w.id} wrap=${w} refresh=${refresh} />`)}
    <details><summary>${t("call.history")}</summary><ol class="log">${data.log.map((l) => html`<li>${l}</li>`)}</ol></details>
    <${ErrorLine} error=${error} /></section>`;
}

function TeamCommunicator({ selected, tick, refresh }) {
  const [search, setSearch] = useState("");
  const [results, setResults] = useState([]);
  const [error, setError] = useState(null);
  const [imText, setImText] = useState("");
  useEffect(() => {
    const timer = setTimeout(() => gql(Q.directory, { s: search || null, i: selected })
      .then((d) => setResults(d.directory.edges.map((e) => e.node)), (e) => setError(e.message)), 200);
    return () => clearTimeout(timer);
  }, [search, selected, tick]);  // again after each interaction event: presence and actions change with it
  const doAction = (entry, action) => guarded(setError, async () => {
    const vars = { t: entry.id, i: selected, c: action.channels[0] || null, text: imText };
    if (action.kind === "INSTANT_MESSAGE" && !imText) throw new Error(t("tc.imText"));
    await act(M[action.kind], vars);
    refresh();
  })();
  return html`<section class="card" aria-labelledby="tc-h"><h2 id="tc-h">${t("tc.title")}</h2>
    <input type="search" aria-label=${t("tc.search")} placeholder=${t("tc.search")} value=${search} onInput=${(e) => setSearch(e.target.value)} data-testid="tc-search" />
    <input aria-label=${t("tc.imText")} placeholder=${t("tc.imText")} value=${imText} onInput=${(e) => setImText(e.target.value)} data-testid="tc-im-text" />
    ${selected && html`<p class="muted">${t("tc.for", { id: selected })}</p>`}
    <ul class="results">${results.length === 0 ? html`<li class="muted">${t("tc.none")}</li>` : results.map((r) => html`<li class="result" tabindex="0" data-name=${r.name}>
      <b>${r.name}</b> <small>${r.kind}</small>
      <span class="presence">${r.presence.map((p) => html`<span class="chip">${p.channel}: <${StateBadge} state=${p.state} /><${Since} since=${p.since} /></span>`)}</span>
      ${r.availability && html`<span class="presence">${r.availability.map((a) => html`<span class="chip">${t("tc.available", { n: a.available, m: a.members, channel: a.channel })}</span>`)}</span>`}
      <span class="actions" role="menu" aria-label=${r.name}>${r.actions.filter((a) => M[a.kind]).map((a) => html`<button role="menuitem" data-action=${a.kind}
        disabled=${!a.available} title=${a.reason || a.channels.join(", ")} onClick=${() => doAction(r, a)}>${t("action." + a.kind)}</button>`)}</span></li>`)}</ul>
    <${ErrorLine} error=${error} /></section>`;
}

function Messages() {
  const [data, setData] = useState({ unread: 0, items: [] });
  const [toast, setToast] = useState(null);
  const [error, setError] = useState(null);
  const load = () => gql(Q.messages).then((d) => setData({ unread: d.myMessages.unreadCount, items: d.myMessages.edges.map((e) => e.node) }), (e) => setError(e.message));
  useEffect(() => {
    load();
    return stream(Q.messagesLive, {}, "messageReceived", (m) => {
      setData((d) => ({ unread: d.unread + (m.read ? 0 : 1), items: [m, ...d.items.filter((x) => x.id !== m.id)] }));
      setToast(m);
    }, { onReset: load });
  }, []);
  useEffect(() => { if (toast) { const timer = setTimeout(() => setToast(null), 8000); return () => clearTimeout(timer); } }, [toast]);
  const read = (id) => guarded(setError, async () => { await act(M.read, { id }); load(); })();
  return html`<section class="card" aria-labelledby="msg-h"><h2 id="msg-h">${t("messages.title")} <span class="badge" data-testid="unread">${t("messages.unread", { n: data.unread })}</span></h2>
    ${toast && html`<div class="toast" role="status" data-testid="preview"><b>${t("messages.new")}: ${toast.title}</b> ${toast.text}</div>`}
    <ul>${data.items.length === 0 ? html`<li class="muted">${t("messages.none")}</li>` : data.items.map((m) => html`<li class=${m.read ? "" : "unread"}>
      <small>${time(m.sentAt)} · ${m.kind} · ${m.priority}</small> <b>${m.title}</b> ${m.text}
      ${!m.read && html`<button onClick=${() => read(m.id)}>${t("messages.read")}</button>`}</li>`)}</ul>
    <${ErrorLine} error=${error} /></section>`;
}

function Voicemail() {
  const [boxes, setBoxes] = useState([]);
  const [vm, setVm] = useState(null);
  const [messages, setMessages] = useState([]);
  const [error, setError] = useState(null);
  useEffect(() => {
    gql(Q.mailboxes).then((d) => setBoxes(d.mailboxes), (e) => setError(e.message));
    // A change replaces its mailbox where it is: the list keeps its order.
    return stream(Q.mailboxesLive, {}, "mailboxChanged", (b) => setBoxes((list) =>
      list.some((x) => x.id === b.id) ? list.map((x) => x.id === b.id ? b : x) : [...list, b]));
  }, []);
  // Once the PIN is accepted (VM2) the mailbox's messages are listed, newest first.
  const list = (session) => gql(Q.voicemails, { s: session.id }).then((d) => setMessages(d.voicemails.edges.map((e) => e.node)));
  const opened = async (session) => { setVm(session); if (session.state === "OPEN") await list(session); };
  const open = (m) => guarded(setError, async () => opened(await act(M.openVm, { m })))();
  const keypad = guarded(setError, async (event) => { event.preventDefault(); const f = event.currentTarget; const d = f.digits.value; f.digits.value = ""; await opened(await act(M.vmDtmf, { s: vm.id, d })); });
  const hear = (v) => guarded(setError, async () => { await act(M.heard, { s: vm.id, v }); await list(vm); })();
  const hangUp = () => guarded(setError, async () => { await act(M.closeVm, { s: vm.id }); setVm(null); setMessages([]); })();
  return html`<section class="card" aria-labelledby="vm-h"><h2 id="vm-h">${t("vm.title")}</h2>
    <ul>${boxes.map((b) => html`<li data-mailbox=${b.name}>${b.messageWaiting && html`<span class="mwi" title=${t("vm.waiting")} aria-label=${t("vm.waiting")}>✉</span>`}
      ${b.name} · ${t("vm.new", { n: b.newCount })} <button onClick=${() => open(b.id)}>${t("vm.call")}</button></li>`)}</ul>
    ${vm && html`<div><p role="status" data-testid="vm-session" data-state=${vm.state}>${t("vm.session", { state: t("vm.state." + vm.state) })} · ${t("vm.tries", { n: vm.triesLeft })}${vm.pinRejected ? ` · ${t("vm.rejected")}` : ""}</p>
      ${vm.state === "AUTHENTICATING" && html`<form onSubmit=${keypad}><label>${t("vm.pin")} <input name="digits" inputmode="tel" pattern="[0-9*#]+" required /></label><button type="submit">${t("call.send")}</button></form>`}
      ${vm.state === "OPEN" && html`<ul aria-label=${t("vm.messages")}>${messages.length === 0 ? html`<li class="muted">${t("vm.none")}</li>` : messages.map((v) => html`<li data-testid="voicemail" class=${v.heard ? "" : "unread"}>
        <small>${time(v.leftAt)}</small> ${t("vm.from", { caller: v.caller, s: v.durationSeconds })}
        ${!v.heard && html`<button onClick=${() => hear(v.id)}>${t("vm.heard")}</button>`}</li>`)}</ul>`}
      <button onClick=${hangUp}>${t("vm.hangup")}</button></div>`}
    <${ErrorLine} error=${error} /></section>`;
}

function Desk({ me }) {
  const [tick, setTick] = useState(0);
  const [selected, setSelected] = useState(null);
  const refresh = () => setTick((n) => n + 1);
  return html`<div class="desk">
    <div class="col"><${Presence} me=${me} /><${Offers} onChange=${refresh} /><${Messages} /><${Voicemail} /></div>
    <div class="col wide"><${Interactions} me=${me} selected=${selected} onSelect=${setSelected} tick=${tick} refresh=${refresh} /></div>
    <div class="col"><${TeamCommunicator} selected=${selected} tick=${tick} refresh=${refresh} /></div></div>`;
}

render(html`<${Page} title=${t("app.desk")} app=${(me) => html`<${Desk} me=${me} />`} />`, document.getElementById("app"));
