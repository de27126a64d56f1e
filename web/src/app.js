// Rampart web app: session start-up and the hash router
// (#/login, #/map, #/asset/{id}, #/new, #/users, #/transfer, #/analysis, #/blast,
// #/egress, #/precursors, #/drones, #/hvm, #/incidents[/{id}], #/assessments, #/assessments/{id}/{tab},
// #/alerts, #/alerts/{id}, #/alerts/new, #/audit, #/library[/{id}], #/webhooks, #/federation).
import { showAlerts } from './alerts.js';
import { showAnalysis } from './analysis.js';
import { showAudit } from './audit.js';
import { showAssessment, showAssessments } from './assessments.js';
import { showHvm } from './hvm.js';
import { showIncidents } from './incidents.js';
import { showLibrary } from './library.js';
import { showAsset, showNewAsset } from './asset.js';
import { createBrowse } from './browse.js';
import { assignSectorColors } from './colors.js';
import { h, replace } from './dom.js';
import { showDrones } from './drones.js';
import { renderHeader, setActiveNav } from './header.js';
import { createLegend } from './legend.js';
import { showLogin } from './login.js';
import { createMap } from './map.js';
import { getMeta, loadMeta } from './meta.js';
import { canAnalyse, canTransfer, currentUser, forget, isAdmin, logout, restore } from './session.js';
import { showBlast, showEgress, showPrecursors } from './threat.js';
import { showTransfer } from './transfer.js';
import { showUsers } from './users.js';
import { showWebhooks } from './webhooks.js';
import { showFederation } from './federation.js';

const byId = (id) => document.getElementById(id);
const VIEWS = ['login-view', 'workspace', 'users-view', 'transfer-view', 'analysis-view', 'blast-view', 'egress-view', 'precursors-view', 'drones-view', 'hvm-view', 'incidents-view', 'assessments-view', 'alerts-view', 'audit-view', 'library-view', 'webhooks-view', 'federation-view'];
const AFTER_LOGIN = 'rampart.afterLogin';

let mapView = null;
let browse = null;

function parseHash() {
  const parts = (window.location.hash || '').replace(/^#\/?/, '').split('/');
  return { name: parts[0] || 'map', arg: parts.slice(1).map(decodeURIComponent).join('/') };
}

function showOnly(id) {
  for (const v of VIEWS) byId(v).hidden = v !== id;
  document.body.dataset.view = id;
}

/** The map and the side panel are built once, the first time they are shown. */
async function ensureWorkspace() {
  if (mapView) {
    mapView.resize();
    return;
  }
  browse = createBrowse(byId('browse-panel'), { onFilters: (v) => mapView?.setFilters(v) });
  byId('map-wrap').append(createLegend());
  mapView = await createMap(byId('map'), {
    onAsset: (id) => { window.location.hash = `#/asset/${encodeURIComponent(id)}`; },
    onData: (d) => browse.update(d, !byId('browse-panel').hidden),
    onLoading: (busy) => { byId('map-loading').hidden = !busy; },
    onError: (e) => browse.error(e),
  });
}

function showPanel(which) {
  byId('browse-panel').hidden = which !== 'browse';
  byId('asset-panel').hidden = which !== 'asset';
}

async function route() {
  const r = parseHash();
  if (!currentUser()) {
    if (r.name !== 'login') {
      sessionStorage.setItem(AFTER_LOGIN, window.location.hash);
      window.history.replaceState(null, '', '#/login');
    }
    byId('topbar').hidden = true;
    showOnly('login-view');
    document.title = 'Sign in · Rampart';
    showLogin(byId('login-view'), () => window.location.reload());
    return;
  }
  setActiveNav(byId('topbar'), r.name === 'asset' || r.name === 'new' ? 'map' : r.name);
  switch (r.name) {
    case 'login':
      window.location.hash = '#/map';
      return;
    case 'users':
      if (!isAdmin()) {
        window.location.hash = '#/map';
        return;
      }
      showOnly('users-view');
      document.title = 'Users · Rampart';
      await showUsers(byId('users-view'));
      return;
    case 'transfer':
      if (!canTransfer()) {
        window.location.hash = '#/map';
        return;
      }
      showOnly('transfer-view');
      document.title = 'Import and export · Rampart';
      showTransfer(byId('transfer-view'));
      return;
    case 'analysis':
      if (!canAnalyse()) {
        window.location.hash = '#/map';
        return;
      }
      showOnly('analysis-view');
      document.title = 'Analysis · Rampart';
      await showAnalysis(byId('analysis-view'));
      return;
    case 'blast':
      showOnly('blast-view');
      document.title = 'Blast stand-off · Rampart';
      await showBlast(byId('blast-view'));
      return;
    case 'egress':
      showOnly('egress-view');
      document.title = 'Crowd egress · Rampart';
      showEgress(byId('egress-view'));
      return;
    case 'precursors':
      showOnly('precursors-view');
      document.title = 'Explosives precursors · Rampart';
      await showPrecursors(byId('precursors-view'));
      return;
    case 'drones':
      showOnly('drones-view');
      document.title = 'Drones · Rampart';
      await showDrones(byId('drones-view'));
      return;
    case 'hvm':
      showOnly('hvm-view');
      document.title = 'Vehicle approaches · Rampart';
      await showHvm(byId('hvm-view'));
      return;
    case 'audit':
      if (!isAdmin()) {
        window.location.hash = '#/map';
        return;
      }
      showOnly('audit-view');
      document.title = 'Audit trail · Rampart';
      await showAudit(byId('audit-view'));
      return;
    case 'incidents':
      showOnly('incidents-view');
      document.title = 'Incidents · Rampart';
      await showIncidents(byId('incidents-view'), r.arg);
      return;
    case 'assessments':
      showOnly('assessments-view');
      document.title = 'Assessments · Rampart';
      if (r.arg) await showAssessment(byId('assessments-view'), r.arg);
      else await showAssessments(byId('assessments-view'));
      return;
    case 'alerts':
      showOnly('alerts-view');
      document.title = 'Alerts · Rampart';
      await showAlerts(byId('alerts-view'), r.arg);
      return;
    case 'federation':
      if (!isAdmin()) {
        window.location.hash = '#/map';
        return;
      }
      showOnly('federation-view');
      document.title = 'Federation · Rampart';
      await showFederation(byId('federation-view'));
      return;
    case 'webhooks':
      showOnly('webhooks-view');
      document.title = 'Webhooks · Rampart';
      await showWebhooks(byId('webhooks-view'));
      return;
    case 'library':
      showOnly('library-view');
      document.title = 'Library · Rampart';
      await showLibrary(byId('library-view'), r.arg);
      return;
    case 'asset':
      showOnly('workspace');
      showPanel('asset');
      await ensureWorkspace();
      document.title = `${r.arg} · Rampart`;
      await showAsset(byId('asset-panel'), r.arg, mapView);
      if (parseHash().arg === r.arg) document.title = `${byId('asset-name')?.textContent || r.arg} · Rampart`;
      return;
    case 'new':
      showOnly('workspace');
      showPanel('asset');
      await ensureWorkspace();
      document.title = 'New asset · Rampart';
      showNewAsset(byId('asset-panel'), mapView);
      return;
    default:
      showOnly('workspace');
      showPanel('browse');
      document.title = 'Registry map · Rampart';
      await ensureWorkspace();
      mapView.clearAsset();
      browse.refreshList();
  }
}

async function start() {
  window.addEventListener('rampart:unauthorized', () => {
    // The session ended (expired or revoked): sign in again and come back here.
    forget();
    sessionStorage.setItem(AFTER_LOGIN, window.location.hash);
    window.location.hash = '#/login';
    window.location.reload();
  });
  try {
    if (await restore()) {
      await loadMeta();
      assignSectorColors(getMeta().sectors);
      renderHeader(byId('topbar'), {
        onLogout: async () => {
          try {
            await logout();
          } finally {
            window.location.hash = '#/login';
            window.location.reload();
          }
        },
      });
      const after = sessionStorage.getItem(AFTER_LOGIN);
      sessionStorage.removeItem(AFTER_LOGIN);
      const r = parseHash();
      if (r.name === 'login') window.history.replaceState(null, '', after && !after.startsWith('#/login') ? after : '#/map');
    }
  } catch (e) {
    showOnly('login-view');
    replace(byId('login-view'), h('div', { class: 'login-page' }, h('div', { class: 'login-card' },
      h('div', { class: 'login-brand' }, 'Rampart'),
      h('div', { class: 'form-error', role: 'alert' }, `The server could not be reached: ${e.message}`),
      h('button', { type: 'button', class: 'btn', onclick: () => window.location.reload() }, 'Try again'))));
    return;
  } finally {
    byId('boot')?.remove();
  }
  window.addEventListener('hashchange', route);
  route();
}

start();
