// The signed-in user: login, logout and restoring the session after a reload.
import { get, post, setCsrfToken } from './api.js';

let current = null;

function apply(response) {
  current = response.user;
  setCsrfToken(response.csrf_token);
  return current;
}

export function currentUser() {
  return current;
}

export function isAdmin() {
  return current?.role === 'admin';
}

/** Roles that may import files and see the Import / export page (the server decides what is allowed). */
export function canTransfer() {
  return ['admin', 'analyst', 'operator'].includes(current?.role);
}

/** Roles that may run analyses (the server decides; this only shows the page). */
export function canAnalyse() {
  return ['admin', 'analyst'].includes(current?.role);
}

/** Roles that may change registry data (the server decides; this only hides buttons). */
export function canEdit() {
  return !!current && current.role !== 'viewer';
}

/** Returns the user, or null when there is no valid session. */
export async function restore() {
  try {
    return apply(await get('/auth/me'));
  } catch (e) {
    if (e.status === 401) return forget();
    throw e;
  }
}

export async function login(username, password) {
  return apply(await post('/auth/login', { username, password }));
}

export async function logout() {
  try {
    await post('/auth/logout');
  } finally {
    forget();
  }
}

export function forget() {
  current = null;
  setCsrfToken(null);
  return null;
}
