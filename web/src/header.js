// Header bar: product name, navigation, signed-in user and sign-out.
import { h, replace } from './dom.js';
import { roleLabel } from './meta.js';
import { canAnalyse, canTransfer, currentUser, isAdmin } from './session.js';

export function renderHeader(header, { onLogout }) {
  const user = currentUser();
  const link = (href, id, text) => h('a', { href, id, class: 'nav-link' }, text);
  replace(header,
    h('a', { class: 'brand', href: '#/map' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Rampart'),
    h('nav', { class: 'nav', 'aria-label': 'Main' },
      link('#/map', 'nav-map', 'Registry map'),
      link('#/alerts', 'nav-alerts', 'Alerts'),
      canAnalyse() ? link('#/analysis', 'nav-analysis', 'Analysis') : null,
      link('#/blast', 'nav-blast', 'Blast'),
      link('#/egress', 'nav-egress', 'Egress'),
      link('#/precursors', 'nav-precursors', 'Precursors'),
      link('#/drones', 'nav-drones', 'Drones'),
      link('#/hvm', 'nav-hvm', 'Vehicle approaches'),
      link('#/incidents', 'nav-incidents', 'Incidents'),
      link('#/assessments', 'nav-assessments', 'Assessments'),
      link('#/library', 'nav-library', 'Library'),
      canTransfer() ? link('#/transfer', 'nav-transfer', 'Import / export') : null,
      isAdmin() ? link('#/users', 'nav-users', 'Users') : null,
      isAdmin() ? link('#/audit', 'nav-audit', 'Audit') : null),
    h('div', { class: 'user-box' },
      h('span', { class: 'user-name', id: 'user-name' }, user.username),
      h('span', { class: 'role-badge', id: 'user-role' }, roleLabel(user.role)),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'logout', onclick: onLogout }, 'Sign out')));
  header.hidden = false;
}

/** Mark the navigation link of the current page. */
export function setActiveNav(header, route) {
  for (const a of header.querySelectorAll('.nav-link')) {
    a.classList.toggle('active', a.id === `nav-${route}`);
  }
}
