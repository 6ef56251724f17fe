// The console's only way to the back end: the public API, as any integrator
// calls it. The token lives in sessionStorage (gone when the tab closes).
// Refusals come as HTTP 200 with {"status": "error", "msg", "errors"}: they
// become ApiError, whose msg and errors the screens show as they are.

const TOKEN_KEY = 'console.token';
const CLIENT_KEY = 'console.oauth_client';
const BASE = new URL('..', import.meta.url); // the page's folder: works under an API Gateway stage prefix
const API = 'api/v1/integracao/';

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
    sessionStorage.setItem(TOKEN_KEY, payload.access_token);
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

// Forgets the token at once, then revokes it on the server (best effort: leaving anyway).
export async function logout() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  sessionStorage.removeItem(TOKEN_KEY);
  if (!token) return;
  try {
    await send('POST', new URL('oauth/revoke', BASE), undefined, token);
  } catch {
    // the token is already gone from this tab
  }
}

// One call of the integration API: resolves to the success payload, rejects with ApiError.
export async function api(method, path, { query, body } = {}) {
  const url = new URL(API + path, BASE);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const { response, payload } = await send(method, url, body, sessionStorage.getItem(TOKEN_KEY));
  if (response.status === 401) {
    sessionStorage.removeItem(TOKEN_KEY);
    unauthorized();
    throw new ApiError('Sua sessão expirou. Entre novamente.', [], 401);
  }
  if (payload && payload.status === 'success') return payload;
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
