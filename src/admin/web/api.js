// Talks to the admin endpoints (src/admin/routes.ts) with the session token
// kept in sessionStorage; a 401 sends the page back to the login form.

const TOKEN_KEY = 'switchyard-admin-token';

/** The session token, or "" when logged out. */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Called when the server refuses the token (set by app.js). */
export const hooks = { unauthorized: () => {} };

/** Drops the session token (log out). */
export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** GET admin/init: {insecure, authenticated, version}. */
export async function init() {
  const headers = token() ? { Authorization: `token ${token()}` } : {};
  const res = await fetch('admin/init', { headers });
  return res.json();
}

/** POST admin/auth; resolves with null on success, else the error message. */
export async function login(password) {
  const res = await fetch('admin/auth', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ password }),
  });
  const body = await res.json().catch(() => ({}));
  if (res.ok && body.token !== undefined) {
    sessionStorage.setItem(TOKEN_KEY, body.token);
    return null;
  }
  return body.error?.message ?? `login failed (${res.status})`;
}

/** POST to an admin endpoint; resolves with the parsed answer ({result} or {error}). */
export async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `token ${token()}` },
    body: JSON.stringify(body),
  });
  const answer = await res.json().catch(() => ({ error: { code: 0, message: `HTTP ${res.status}` } }));
  if (res.status === 401) hooks.unauthorized(answer.error?.message ?? 'unauthorized');
  return answer;
}

/** Runs a server API method through admin/api. */
export function call(method, params = {}) {
  return post('admin/api', { method, params });
}
