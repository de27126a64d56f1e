// Users page (admins): list, add, change role, reset password, disable / enable.
import { enc, get, patch, post } from './api.js';
import { h, replace, select, toast } from './dom.js';
import { fmtDate } from './format.js';
import { getMeta, organisations, roleLabel } from './meta.js';
import { currentUser } from './session.js';

function roleSelect(attrs, value) {
  const s = select(attrs, getMeta().roles.map((r) => ({ value: r, label: roleLabel(r) })));
  s.value = value;
  return s;
}

function orgSelect(orgs, attrs) {
  return select(attrs, [...orgs.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((o) => ({ value: o.id, label: `${o.name}${o.country ? ` (${o.country})` : ''}` })), '— none —');
}

function addUserForm(orgs, onAdded) {
  const username = h('input', { name: 'username', id: 'new-username', autocomplete: 'off', required: true });
  const password = h('input', { name: 'password', id: 'new-password', type: 'password', autocomplete: 'new-password', required: true });
  const role = roleSelect({ name: 'role', id: 'new-role' }, 'viewer');
  const org = orgSelect(orgs, { name: 'organisation_id', id: 'new-organisation' });
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const fieldErrors = {};
  const field = (name, label, control) => {
    fieldErrors[name] = h('p', { class: 'field-error', hidden: true });
    return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, fieldErrors[name]);
  };
  const submit = h('button', { type: 'submit', class: 'btn', id: 'add-user' }, 'Add user');
  const form = h('form', { class: 'card add-user', id: 'add-user-form', novalidate: true },
    h('h2', { class: 'section-title' }, 'Add a user'),
    error,
    h('div', { class: 'form-row form-row-4' },
      field('username', 'Username', username),
      field('password', 'Initial password', password),
      field('role', 'Role', role),
      field('organisation_id', 'Organisation', org)),
    h('div', { class: 'form-actions' }, submit));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    for (const p of Object.values(fieldErrors)) p.hidden = true;
    submit.disabled = true;
    try {
      await post('/users', {
        username: username.value.trim(), password: password.value, role: role.value,
        organisation_id: org.value || null,
      });
      toast(`User ${username.value.trim()} added.`, 'success');
      form.reset();
      onAdded();
    } catch (err) {
      const rest = [];
      for (const fe of err.fieldErrors) {
        const p = fieldErrors[fe.field];
        if (p) {
          p.textContent = fe.message;
          p.hidden = false;
        } else rest.push(fe);
      }
      replace(error, h('p', null, err.message), rest.map((fe) => h('p', null, `${fe.field}: ${fe.message}`)));
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function userRow(u, orgs, refresh) {
  const me = currentUser()?.username === u.username;
  const status = h('span', { class: u.disabled ? 'tag tag-muted' : 'tag tag-ok' }, u.disabled ? 'Disabled' : 'Active');
  const msg = h('div', { class: 'row-msg', role: 'status' });

  const change = async (body, done) => {
    msg.textContent = '';
    try {
      await patch(`/users/${enc(u.username)}`, body);
      toast(done, 'success');
      refresh();
    } catch (err) {
      msg.textContent = err.fieldErrors.length ? err.fieldErrors.map((e) => e.message).join('; ') : err.message;
      msg.className = 'row-msg field-error';
    }
  };

  const role = roleSelect({ 'aria-label': `Role of ${u.username}`, dataset: { action: 'role' }, disabled: me }, u.role);
  role.addEventListener('change', () => change({ role: role.value }, `${u.username} is now ${roleLabel(role.value)}.`));

  const pwInput = h('input', { type: 'password', autocomplete: 'new-password', placeholder: 'New password', 'aria-label': `New password for ${u.username}` });
  const pwForm = h('form', { class: 'inline-form', hidden: true },
    pwInput,
    h('button', { type: 'submit', class: 'btn btn-small' }, 'Set'),
    h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => { pwForm.hidden = true; } }, 'Cancel'));
  pwForm.addEventListener('submit', (e) => {
    e.preventDefault();
    change({ password: pwInput.value }, `Password of ${u.username} reset.`);
  });

  const actions = h('div', { class: 'row-actions' },
    h('button', {
      type: 'button', class: 'btn btn-secondary btn-small', dataset: { action: 'password' },
      onclick: () => { pwForm.hidden = false; pwInput.focus(); },
    }, 'Reset password'),
    me ? null : h('button', {
      type: 'button', class: `btn btn-small ${u.disabled ? 'btn-secondary' : 'btn-secondary btn-danger-text'}`,
      dataset: { action: 'disable' },
      onclick: () => change({ disabled: !u.disabled }, `${u.username} ${u.disabled ? 'enabled' : 'disabled'}.`),
    }, u.disabled ? 'Enable' : 'Disable'));

  return h('tr', { dataset: { username: u.username }, class: u.disabled ? 'is-disabled' : null },
    h('td', null, h('strong', null, u.username), me ? h('span', { class: 'muted small' }, ' (you)') : null),
    h('td', null, role),
    h('td', null, orgs.get(u.organisation_id)?.name ?? u.organisation_id ?? '—'),
    h('td', null, status),
    h('td', null, fmtDate(u.created_at)),
    h('td', null, actions, pwForm, msg));
}

export async function showUsers(view) {
  const tableBox = h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Loading users…'));
  const orgs = await organisations();
  const refresh = async () => {
    try {
      const res = await get('/users');
      const items = [...(res.items || [])].sort((a, b) => a.username.localeCompare(b.username));
      replace(tableBox,
        h('h2', { class: 'section-title' }, 'Users', h('span', { class: 'count' }, String(items.length))),
        h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'users-table' },
          h('thead', null, h('tr', null, ['Username', 'Role', 'Organisation', 'Status', 'Created', ''].map((t) => h('th', null, t)))),
          h('tbody', null, items.map((u) => userRow(u, orgs, refresh))))));
    } catch (e) {
      replace(tableBox, h('p', { class: 'form-error' }, `Could not load users: ${e.message}`));
    }
  };
  replace(view, h('div', { class: 'page' },
    h('h1', { class: 'page-title' }, 'Users'),
    h('p', { class: 'muted' }, 'Accounts that can sign in to this Rampart instance, and what they may do.'),
    addUserForm(orgs, refresh),
    tableBox));
  await refresh();
}
