// The console's only way to the back end: the public API, as any integrator
// calls it. The tokens live in sessionStorage (gone when the tab closes). An
// access token lives an hour: when one is refused, the refresh token buys a
// new pair once, silently, and the call is made again; when that is refused
// too (expired, revoked, or reused elsewhere), the session ends cleanly.
// Refusals come as HTTP 200 with {"status": "error", "msg", "errors"}: they
// become ApiError, whose msg and errors the screens show as they are. Success is "success", or "suscess"
// (sic) on cliente/financeiro and cliente/atendimento, which answer HubSoft's typo as HubSoft does.

const TOKEN_KEY = 'console.token';
const REFRESH_KEY = 'console.refresh';
const SESSION_CLIENT_KEY = 'console.session_client';
const CLIENT_KEY = 'console.oauth_client';
const BASE = new URL('..', import.meta.url); // the page's folder: works under an API Gateway stage prefix
const API = 'api/v1/integracao/';
const SUCCESS = new Set(['success', 'suscess']);

export class ApiError extends Error {
  constructor(msg, errors = [], status = 200) {
    super(msg);
    this.name = 'ApiError';
    this.errors = errors;
    this.status = status;
  }
}

let unauthorized = () => {};

export function onUnauthorized(handler) {
  unauthorized = handler;
}

export function hasToken() {
  return Boolean(sessionStorage.getItem(TOKEN_KEY));
}

// The OAuth client the page logs in with: configured on the server (meta tags),
// else the one typed in the login form (remembered in this browser).
export function configuredClient() {
  const id = document.querySelector('meta[name="oauth-client-id"]')?.content || '';
  const secret = document.querySelector('meta[name="oauth-client-secret"]')?.content || '';
  return id && secret ? { id, secret } : null;
}

export function rememberedClient() {
  try {
    return JSON.parse(localStorage.getItem(CLIENT_KEY) || 'null');
  } catch {
    return null;
  }
}

export async function login(username, password, client) {
  const { response, payload } = await send('POST', new URL('oauth/token', BASE), {
    grant_type: 'password', client_id: client.id, client_secret: client.secret, username, password,
  }, null);
  if (response.status === 200 && payload?.access_token) {
    keepTokens(payload, client);
    if (!configuredClient()) localStorage.setItem(CLIENT_KEY, JSON.stringify(client));
    return;
  }
  // The token endpoint answers in Passport's (English) words: say it in Portuguese.
  if (response.status === 429) {
    const wait = Number(response.headers.get('Retry-After')) || 0;
    throw new ApiError(`Muitas tentativas de entrar.${wait ? ` Tente de novo em ${Math.ceil(wait / 60)} min.` : ''}`);
  }
  if (payload?.error === 'invalid_client') throw new ApiError('Cliente OAuth do console inválido (client_id/client_secret).');
  if (payload?.error === 'invalid_credentials' || payload?.error === 'invalid_grant') {
    throw new ApiError('Usuário ou senha inválidos.');
  }
  throw new ApiError(payload?.message || `O servidor respondeu ${response.status}.`);
}

function keepTokens(payload, client) {
  sessionStorage.setItem(TOKEN_KEY, payload.access_token);
  if (payload.refresh_token) sessionStorage.setItem(REFRESH_KEY, payload.refresh_token);
  if (client) sessionStorage.setItem(SESSION_CLIENT_KEY, JSON.stringify(client));
}

function forgetTokens() {
  for (const key of [TOKEN_KEY, REFRESH_KEY, SESSION_CLIENT_KEY]) sessionStorage.removeItem(key);
}

// One renewal at a time: calls refused together wait for the same new token (a refresh token
// is good once; a second exchange of it would count as a stolen copy and end the session).
let renewing = null;

function renew() {
  if (!renewing) {
    renewing = exchangeRefreshToken().finally(() => { renewing = null; });
  }
  return renewing;
}

async function exchangeRefreshToken() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  let client = null;
  try {
    client = JSON.parse(sessionStorage.getItem(SESSION_CLIENT_KEY) || 'null');
  } catch {
    client = null;
  }
  if (!refreshToken || !client) return false;
  try {
    const { response, payload } = await send('POST', new URL('oauth/token', BASE), {
      grant_type: 'refresh_token', client_id: client.id, client_secret: client.secret, refresh_token: refreshToken,
    }, null);
    if (response.status === 200 && payload?.access_token) {
      keepTokens(payload, client);
      return true;
    }
  } catch {
    return false; // no answer: the session ends below rather than looping
  }
  return false;
}

// Forgets the tokens at once, then revokes them on the server (best effort: leaving anyway).
export async function logout() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  forgetTokens();
  if (!token) return;
  try {
    await send('POST', new URL('oauth/revoke', BASE), refreshToken ? { refresh_token: refreshToken } : undefined,
      token);
  } catch {
    // the tokens are already gone from this tab
  }
}

// One call of the integration API: resolves to the success payload, rejects with ApiError.
export async function api(method, path, { query, body } = {}) {
  const url = new URL(API + path, BASE);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const token = sessionStorage.getItem(TOKEN_KEY);
  let { response, payload } = await send(method, url, body, token);
  if (response.status === 401 && token) {
    // Renewed by this call or by another one meanwhile: either way, one more try with the new token.
    const renewed = sessionStorage.getItem(TOKEN_KEY) !== token || await renew();
    if (renewed) ({ response, payload } = await send(method, url, body, sessionStorage.getItem(TOKEN_KEY)));
  }
  if (response.status === 401) {
    forgetTokens();
    unauthorized();
    throw new ApiError('Sua sessão expirou. Entre novamente.', [], 401);
  }
  if (payload && SUCCESS.has(payload.status)) return payload;
  const msg = payload?.msg || `O servidor respondeu ${response.status}.`;
  throw new ApiError(msg, Array.isArray(payload?.errors) ? payload.errors : [], response.status);
}

async function send(method, url, body, token) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError('Não foi possível falar com o servidor. Verifique a conexão e tente de novo.', [], 0);
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  return { response, payload };
}
