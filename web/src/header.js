// Header bar: product name, navigation, signed-in user and sign-out.
import { h, replace } from './dom.js';
import { roleLabel } from './meta.js';
import { canAnalyse, canTransfer, currentUser, isAdmin } from './session.js';

export function renderHeader(header, { onLogout }) {
  const user = currentUser();
  const link = (href, id, text) => h('a', { href, id, class: 'nav-link' }, text);
  // A group of pages behind one button; its menu closes when a page is chosen or on a click elsewhere.
  const group = (id, text, links) => {
    const items = links.filter(Boolean);
    if (!items.length) return null;
    const menu = h('div', { class: 'nav-menu', id: `${id}-menu`, hidden: true }, items);
    const toggle = h('button', { type: 'button', class: 'nav-link nav-group-toggle', id, 'aria-haspopup': 'true', 'aria-expanded': 'false', 'aria-controls': `${id}-menu` }, text);
    const set = (open) => { menu.hidden = !open; toggle.setAttribute('aria-expanded', String(open)); };
    toggle.addEventListener('click', (e) => { e.stopPropagation(); set(menu.hidden); });
    menu.addEventListener('click', () => set(false));
    document.addEventListener('click', () => set(false));
    window.addEventListener('hashchange', () => set(false));
    return h('div', { class: 'nav-group' }, toggle, menu);
  };
  // On narrower screens the navigation folds behind one button.
  const navToggle = h('button', { type: 'button', class: 'nav-toggle btn btn-ghost btn-small', id: 'nav-toggle', 'aria-controls': 'main-nav', 'aria-expanded': 'false' }, 'Menu');
  const fold = (open) => {
    header.querySelector('#main-nav')?.classList.toggle('open', open);
    navToggle.setAttribute('aria-expanded', String(open));
  };
  navToggle.addEventListener('click', () => fold(navToggle.getAttribute('aria-expanded') !== 'true'));
  window.addEventListener('hashchange', () => fold(false));
  replace(header,
    h('a', { class: 'brand', href: '#/map' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'Rampart'),
    navToggle,
    h('nav', { class: 'nav', id: 'main-nav', 'aria-label': 'Main' },
      link('#/map', 'nav-map', 'Registry map'),
      canAnalyse() ? link('#/analysis', 'nav-analysis', 'Analysis') : null,
      link('#/assessments', 'nav-assessments', 'Assessments'),
      group('nav-group-threat', 'Threat tools', [
        link('#/blast', 'nav-blast', 'Blast stand-off'),
        link('#/egress', 'nav-egress', 'Crowd egress'),
        link('#/precursors', 'nav-precursors', 'Explosives precursors'),
        link('#/drones', 'nav-drones', 'Drones'),
        link('#/hvm', 'nav-hvm', 'Vehicle approaches'),
      ]),
      group('nav-group-sharing', 'Sharing', [
        link('#/alerts', 'nav-alerts', 'Alerts'),
        link('#/incidents', 'nav-incidents', 'Incidents'),
        link('#/library', 'nav-library', 'Library'),
        link('#/webhooks', 'nav-webhooks', 'Webhooks'),
      ]),
      canTransfer() ? link('#/transfer', 'nav-transfer', 'Import / export') : null,
      isAdmin() ? group('nav-group-admin', 'Administration', [link('#/users', 'nav-users', 'Users'), link('#/audit', 'nav-audit', 'Audit trail'), link('#/federation', 'nav-federation', 'Federation')]) : null),
    h('div', { class: 'user-box' },
      h('span', { class: 'user-name', id: 'user-name' }, user.username),
      h('span', { class: 'role-badge', id: 'user-role' }, roleLabel(user.role)),
      h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'logout', onclick: onLogout }, 'Sign out')));
  header.hidden = false;
}

/** Mark the navigation link of the current page. */
export function setActiveNav(header, route) {
  for (const a of header.querySelectorAll('.nav-link:not(.nav-group-toggle)')) {
    a.classList.toggle('active', a.id === `nav-${route}`);
  }
  // A group shows as active when one of its pages is.
  for (const g of header.querySelectorAll('.nav-group')) {
    g.querySelector('.nav-group-toggle').classList.toggle('active', !!g.querySelector(`#nav-${route}`));
  }
}
