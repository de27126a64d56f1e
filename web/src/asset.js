// The asset panel: details, dependencies both ways, history, edit and delete.
import { del, enc, get } from './api.js';
import { assetForm } from './asset-form.js';
import { assetColor } from './colors.js';
import { dependencyTable, directCount } from './deps.js';
import { h, replace, toast } from './dom.js';
import { DASH, fmtCoord, fmtDate, fmtHours, fmtInt, fmtMoneyPerDay, fmtPeople, fmtValue } from './format.js';
import { centroid } from './geo.js';
import { historyList } from './history.js';
import { swatch } from './legend.js';
import {
  categoryLabel, countryName, kindLabel, organisations, sectorLabel, subsectorLabel,
} from './meta.js';
import { canEdit } from './session.js';

let generation = 0; // ignores answers for an asset the user has already left

function fact(label, value, key) {
  return h('div', { class: 'fact' },
    h('dt', null, label),
    h('dd', { dataset: { fact: key } }, value === '' || value === null ? DASH : value));
}

function locationText(g) {
  const c = centroid(g);
  if (!c) return DASH;
  const [lon, lat] = c;
  const text = `${fmtCoord(Math.abs(lat))}° ${lat >= 0 ? 'N' : 'S'}, ${fmtCoord(Math.abs(lon))}° ${lon >= 0 ? 'E' : 'W'}`;
  return g.type === 'Point' ? text : `${g.type}, centred on ${text}`;
}

function details(a) {
  const isPublic = a.kind === 'public_space';
  const operator = h('span', null, a.operator_id ?? DASH);
  if (a.operator_id) {
    organisations().then((orgs) => {
      const o = orgs.get(a.operator_id);
      if (o) operator.textContent = o.name;
    });
  }
  return h('dl', { class: 'facts', id: 'asset-facts' },
    fact('Kind', kindLabel(a.kind), 'kind'),
    fact('Sector', sectorLabel(a.sector), 'sector'),
    fact('Subsector', subsectorLabel(a.sector, a.subsector), 'subsector'),
    isPublic || a.category ? fact('Category', categoryLabel(a.category), 'category') : null,
    fact('Country', a.country ? `${countryName(a.country)} (${a.country})` : '', 'country'),
    fact('Operator', operator, 'operator'),
    fact('People served', a.people_served == null ? '' : fmtPeople(a.people_served), 'people_served'),
    fact('Peak occupancy', a.peak_occupancy == null ? '' : fmtPeople(a.peak_occupancy), 'peak_occupancy'),
    fact('Value per day', a.value_per_day == null ? '' : fmtMoneyPerDay(a.value_per_day), 'value_per_day'),
    fact('Restoration time', a.restoration_hours == null ? '' : fmtHours(a.restoration_hours), 'restoration_hours'),
    fact('Location', locationText(a.geometry), 'location'),
    fact('Last change', `${fmtDate(a.updated_at)} by ${a.updated_by || 'unknown'} (version ${fmtInt(a.version)})`, 'updated'));
}

function attributes(a) {
  const entries = Object.entries(a.attributes || {});
  if (entries.length === 0) return null;
  return h('section', { class: 'panel-section' },
    h('h2', { class: 'section-title' }, 'Attributes'),
    h('dl', { class: 'facts facts-compact' }, entries.map(([k, v]) => fact(k, fmtValue(v), `attr-${k}`))));
}

function section(title, count, body, id) {
  return h('section', { class: 'panel-section', id },
    h('h2', { class: 'section-title' }, title, count === null ? null : h('span', { class: 'count' }, String(count))),
    body);
}

async function loadGraph(id, direction) {
  try {
    return { graph: await get(`/assets/${enc(id)}/${direction}`) };
  } catch (e) {
    return { graph: null, error: e };
  }
}

/** Show asset `id` in `panel`; mapView highlights it. */
export async function showAsset(panel, id, mapView) {
  const mine = ++generation;
  replace(panel, h('div', { class: 'panel-loading' }, 'Loading asset…'));
  let asset;
  let up;
  let down;
  try {
    [asset, up, down] = await Promise.all([
      get(`/assets/${enc(id)}`), loadGraph(id, 'upstream'), loadGraph(id, 'downstream'),
    ]);
  } catch (e) {
    if (mine !== generation) return;
    replace(panel,
      h('a', { href: '#/map', class: 'back' }, '← Back to the map'),
      h('div', { class: 'empty-state' },
        h('h1', { id: 'asset-name' }, e.status === 404 ? 'Asset not found' : 'Could not load the asset'),
        h('p', { class: 'muted' }, e.status === 404 ? `There is no asset with id ${id}.` : e.message)));
    mapView.clearAsset();
    return;
  }
  if (mine !== generation) return;

  const historyBox = h('div', null, h('p', { class: 'muted' }, 'Loading history…'));
  const loadHistory = async () => {
    try {
      const res = await get(`/assets/${enc(id)}/history`);
      if (mine === generation) replace(historyBox, historyList(res.items));
    } catch (e) {
      if (mine === generation) replace(historyBox, h('p', { class: 'muted', id: 'history' }, `Could not load the history: ${e.message}`));
    }
  };

  function render(a, editing) {
    const body = h('div', { class: 'panel-body' });
    const head = h('header', { class: 'panel-head' },
      h('a', { href: '#/map', class: 'back' }, '← Back to the map'),
      h('div', { class: 'kind-line' }, swatch(assetColor(a)),
        a.kind === 'public_space' ? categoryLabel(a.category) || kindLabel(a.kind) : sectorLabel(a.sector) || kindLabel(a.kind),
        h('span', { class: 'kind-sep' }, '·'), countryName(a.country)),
      h('h1', { id: 'asset-name' }, a.name || a.id),
      h('div', { class: 'asset-id' }, a.id),
      canEdit() && !editing
        ? h('div', { class: 'panel-actions' },
          h('button', { type: 'button', class: 'btn', id: 'edit-asset', onclick: () => render(a, true) }, 'Edit'))
        : null);

    if (editing) {
      body.append(section('Edit asset', null, assetForm(a, {
        onSaved: (saved) => {
          asset = saved;
          toast('Changes saved.', 'success');
          render(saved, false);
          mapView.showAsset(saved, up.graph, down.graph);
          mapView.reload();
          loadHistory();
        },
        onCancel: () => render(a, false),
        onConflict: () => showAsset(panel, id, mapView),
      }), 'edit-section'), deleteBox(a));
    } else {
      body.append(section('Details', null, details(a), 'details-section'));
    }
    body.append(
      section('Depends on', up.graph ? directCount(a.id, 'upstream', up.graph) : null,
        dependencyTable(a.id, 'upstream', up.graph, up.error), 'upstream-section'),
      section('Depended on by', down.graph ? directCount(a.id, 'downstream', down.graph) : null,
        dependencyTable(a.id, 'downstream', down.graph, down.error), 'downstream-section'),
      attributes(a) || '',
      section('History', null, historyBox, 'history-section'));
    replace(panel, head, body);
    panel.scrollTop = 0;
  }

  function deleteBox(a) {
    const confirmBtn = h('button', { type: 'button', class: 'btn btn-danger', id: 'confirm-delete', hidden: true }, `Delete ${a.id} permanently`);
    const ask = h('button', { type: 'button', class: 'btn btn-secondary btn-danger-text', id: 'delete-asset' }, 'Delete asset…');
    const msg = h('p', { class: 'field-error', hidden: true });
    ask.addEventListener('click', () => {
      ask.hidden = true;
      confirmBtn.hidden = false;
    });
    confirmBtn.addEventListener('click', async () => {
      confirmBtn.disabled = true;
      try {
        await del(`/assets/${enc(a.id)}`);
        toast(`${a.name} deleted.`, 'success');
        mapView.clearAsset();
        mapView.reload();
        window.location.hash = '#/map';
      } catch (e) {
        msg.textContent = e.message;
        msg.hidden = false;
        confirmBtn.disabled = false;
      }
    });
    return h('section', { class: 'panel-section danger-zone' },
      h('p', { class: 'muted small' }, 'Deleting removes the asset and its dependencies from the registry; the history keeps a record.'),
      ask, confirmBtn, msg);
  }

  render(asset, false);
  mapView.showAsset(asset, up.graph, down.graph);
  loadHistory();
}

/** The panel for a new asset. */
export function showNewAsset(panel, mapView) {
  generation += 1;
  mapView.clearAsset();
  replace(panel,
    h('header', { class: 'panel-head' },
      h('a', { href: '#/map', class: 'back' }, '← Back to the map'),
      h('h1', { id: 'asset-name' }, 'New asset')),
    h('div', { class: 'panel-body' }, h('section', { class: 'panel-section' }, assetForm(null, {
      onSaved: (saved) => {
        toast(`${saved.name} created.`, 'success');
        mapView.reload();
        window.location.hash = `#/asset/${encodeURIComponent(saved.id)}`;
      },
      onCancel: () => {
        window.location.hash = '#/map';
      },
    }))));
}
