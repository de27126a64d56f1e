// Fetch wrapper for the Rampart JSON API (/api/v1).
// - the session is an HttpOnly cookie the browser sends by itself;
// - state-changing requests carry the CSRF token from login or /auth/me;
// - errors are RFC 9457 problem documents, thrown as ApiError.

const BASE = 'api/v1'; // relative to the page, so the app also works under a path prefix

let csrfToken = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `Request failed (HTTP ${status})`);
    this.status = status;
    this.problem = problem;
    /** [{field, message}] */
    this.fieldErrors = Array.isArray(problem.errors) ? problem.errors : [];
  }
}

export async function request(method, path, body, { signal } = {}) {
  const headers = { Accept: 'application/json, application/problem+json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  return send(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
}

/** POST a file's raw bytes (a File or Blob, streamed by the browser) and read the JSON answer. */
export async function upload(path, file, { signal, contentType } = {}) {
  const headers = { Accept: 'application/json, application/problem+json', 'Content-Type': contentType || 'application/octet-stream' };
  if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  return send(path, { method: 'POST', headers, body: file, signal });
}

async function send(path, init) {
  let res;
  try {
    res = await fetch(`${BASE}${path}`, { ...init, credentials: 'same-origin' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'Network error', detail: 'The Rampart server could not be reached.' });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const problem = data && typeof data === 'object'
      ? data
      : { title: res.statusText || `HTTP ${res.status}`, detail: text.slice(0, 300) || undefined };
    if (res.status === 401 && !path.startsWith('/auth/')) {
      window.dispatchEvent(new CustomEvent('rampart:unauthorized'));
    }
    throw new ApiError(res.status, problem);
  }
  return data;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const put = (path, body, opts) => request('PUT', path, body, opts);
export const patch = (path, body, opts) => request('PATCH', path, body, opts);
export const del = (path, opts) => request('DELETE', path, undefined, opts);

/** {a: 'x', b: '', c: null} → "?a=x" */
export function query(params) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== '') qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export const enc = encodeURIComponent;
