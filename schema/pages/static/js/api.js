// The public GraphQL API, and nothing else: queries and mutations over HTTP, subscriptions over
// graphql-transport-ws (graphql-ws). Streams resume after a dropped socket with the last item's
// `cursor` (every streaming subscription takes `after`).
import { createClient } from "graphql-ws";

const TOKEN_KEY = "backline.token";

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) { value ? sessionStorage.setItem(TOKEN_KEY, value) : sessionStorage.removeItem(TOKEN_KEY); },
};

export class ApiError extends Error {}

/** One operation over HTTP; a GraphQL error (not a typed result) is thrown. */
export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json" };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch (error) {
    throw new ApiError(String(error.message || error));
  }
  const body = await response.json().catch(() => ({ errors: [{ message: `HTTP ${response.status}` }] }));
  if (body.errors && body.errors.length) throw new ApiError(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

/** A mutation whose field `r` is a typed result: its value, or an ApiError with the typed
 * error's `message` (every error type shares the Error interface). */
export async function act(mutation, variables = {}) {
  const { r } = await gql(mutation, variables);
  if (r && typeof r.code === "string" && typeof r.message === "string") throw new ApiError(r.message);
  return r;
}

const listeners = new Set();
let client = null;
let connected = false;

/** Called with true / false as the socket connects and drops. */
export function onConnection(listener) { listeners.add(listener); listener(connected); return () => listeners.delete(listener); }
function setConnected(value) { connected = value; listeners.forEach((l) => l(value)); }

function socket() {
  if (client) return client;
  const url = new URL("/graphql", location.href).href.replace(/^http/, "ws");
  client = createClient({
    url,
    lazy: true,
    // No automatic retry: each stream subscribes again itself, with its own last cursor.
    retryAttempts: 0,
    connectionParams: () => ({ Authorization: `Bearer ${session.token}` }),
    on: { connected: () => setConnected(true), closed: () => setConnected(false) },
  });
  return client;
}

export function closeSocket() {
  if (client) client.dispose();
  client = null;
  setConnected(false);
}

/** A subscription that survives dropped sockets: `onItem(item)` for each item of `field`;
 * after a drop it subscribes again with `after:` the last cursor (or the stream's position
 * read before it started, when nothing came yet), so that nothing is missed nor repeated.
 * A cursor too old (CURSOR_EXPIRED) starts afresh with a snapshot: `onReset()` first.
 * Returns a function that stops it. */
export function stream(query, variables, field, onItem, { onReset } = {}) {
  let stopped = false;
  let cursor = null;
  let unsubscribe = null;
  let delay = 250;

  async function start() {
    if (stopped) return;
    const first = cursor === null;  // a first subscription gets the snapshot; a resumed one does not
    if (first) {
      try { cursor = (await gql("{ streamCursor }")).streamCursor; } catch { /* offline: the socket fails too, and retries */ }
    }
    if (stopped) return;
    const vars = first ? variables : { ...variables, after: cursor };
    unsubscribe = socket().subscribe({ query, variables: vars }, {
      next: ({ data, errors }) => {
        if (errors && errors.length) {
          if (errors.some((e) => e.extensions && e.extensions.code === "CURSOR_EXPIRED")) {
            cursor = null;
            if (onReset) onReset();
          }
          return;
        }
        const item = data && data[field];
        if (!item) return;
        delay = 250;
        if (item.cursor) cursor = item.cursor;
        onItem(item);
      },
      error: () => retry(),
      complete: () => retry(),
    });
  }
  function retry() {
    if (stopped) return;
    setTimeout(start, delay);
    delay = Math.min(delay * 2, 5000);
  }
  start();
  return () => { stopped = true; if (unsubscribe) unsubscribe(); };
}

export const LOGIN = `mutation($u: String!, $p: String!) { r: login(username: $u, password: $p) {
  __typename ... on LoginSuccess { token me { id username displayName role teamId supervisedTeamIds } }
  ... on Error { code message } } }`;

export async function signIn(username, password) {
  const result = await act(LOGIN, { u: username, p: password });
  session.token = result.token;
  return result.me;
}

export async function signOut() {
  try { await gql("mutation { logout { __typename } }"); } catch { /* the token may be gone already */ }
  closeSocket();
  session.token = null;
}

export async function currentUser() {
  if (!session.token) return null;
  try { return (await gql("{ me { id username displayName role teamId supervisedTeamIds } }")).me; } catch { session.token = null; return null; }
}
