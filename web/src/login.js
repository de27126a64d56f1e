// Sign-in page.
import { h, replace } from './dom.js';
import { login } from './session.js';

/** onDone(user) after a successful login. */
export function showLogin(view, onDone) {
  const username = h('input', { id: 'username', name: 'username', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'btn btn-block', id: 'login' }, 'Sign in');
  const error = h('div', { class: 'form-error', id: 'login-error', role: 'alert', hidden: true });

  const form = h('form', { class: 'login-card', id: 'login-form', novalidate: true },
    h('div', { class: 'login-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Rampart'),
    h('p', { class: 'login-sub' }, 'Registry of critical infrastructure and public spaces'),
    error,
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Username'), username),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Password'), password),
    button,
    h('p', { class: 'login-foot' }, 'Authorised users only. Access is logged.'));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    if (!username.value.trim() || !password.value) {
      error.textContent = 'Enter your username and password.';
      error.hidden = false;
      return;
    }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      const user = await login(username.value.trim(), password.value);
      onDone(user);
    } catch (err) {
      error.textContent = err.status === 401
        ? 'Wrong username or password.'
        : err.status === 429
          ? err.problem?.detail || 'Too many sign-in attempts. Wait a few minutes and try again.'
          : err.message;
      error.hidden = false;
      password.value = '';
      password.focus();
    } finally {
      button.disabled = false;
      button.textContent = 'Sign in';
    }
  });

  replace(view, h('div', { class: 'login-page' }, form));
  (username.value ? password : username).focus();
}
