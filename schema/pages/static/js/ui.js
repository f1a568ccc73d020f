// Preact + htm, and the small pieces every page shares: the sign-in form, errors, the
// connection state.
import { h, render } from "preact";
import { useState, useEffect, useRef, useCallback } from "preact/hooks";
import htm from "htm";
import { ApiError, currentUser, onConnection, signIn, signOut } from "./api.js";
import { t } from "./i18n.js";

export const html = htm.bind(h);
export { render, useState, useEffect, useRef, useCallback };

/** Runs an action; its error (a typed result's message) goes to `setError`. */
export function guarded(setError, fn) {
  return async (...args) => {
    setError(null);
    try { return await fn(...args); } catch (error) {
      setError(error instanceof ApiError ? error.message : String(error.message || error));
    }
  };
}

export function ErrorLine({ error }) {
  return error ? html`<p class="error" role="alert">${t("error", { message: error })}</p>` : null;
}

export function Connection() {
  const [online, setOnline] = useState(false);
  useEffect(() => onConnection(setOnline), []);
  return html`<span class=${"conn " + (online ? "on" : "off")} role="status" data-testid="connection">
    ${online ? t("conn.online") : t("conn.offline")}</span>`;
}

function SignIn({ onSignedIn }) {
  const [error, setError] = useState(null);
  const submit = guarded(setError, async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    onSignedIn(await signIn(form.username.value.trim(), form.password.value));
  });
  return html`<form class="signin card" onSubmit=${submit} aria-labelledby="signin-title">
    <h2 id="signin-title">${t("signin.title")}</h2>
    <label>${t("signin.username")} <input name="username" autocomplete="username" required autofocus /></label>
    <label>${t("signin.password")} <input name="password" type="password" autocomplete="current-password" required /></label>
    <button type="submit">${t("signin.submit")}</button>
    <${ErrorLine} error=${error} />
  </form>`;
}

/** A page with a sign-in first: `app(me, signOut)` renders once signed in. */
export function Page({ title, app }) {
  const [me, setMe] = useState(undefined);
  useEffect(() => { currentUser().then(setMe); }, []);
  if (me === undefined) return null;
  const out = async () => { await signOut(); setMe(null); };
  return html`<header class="top"><h1>${title}</h1>
      ${me && html`<span class="me" data-testid="me">${me.displayName}</span><${Connection} />
        <button onClick=${out}>${t("signout")}</button>`}</header>
    <main>${me ? app(me) : html`<${SignIn} onSignedIn=${setMe} />`}</main>`;
}
