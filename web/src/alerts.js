// Alerts page (#/alerts, #/alerts/{id}): the inbox of the CAP alerts the reader may
// read, kept live by the server's event stream (EventSource on /api/v1/events), with
// unread and acknowledged marks and TLP badges; one alert with the actions the reader's
// role and the alert's state allow (submit, approve, publish, update, cancel,
// acknowledge); and the composer: CAP fields with their enumerations, the label, and
// the area drawn on the map as polygons and circles, with the recipients it matches
// previewed before publication.
/* global maplibregl */
import { ApiError, get, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { basemapLayers, newMap, registryInView, registryLayers } from './map.js';
import { currentUser } from './session.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const TLP = ['TLP:CLEAR', 'TLP:GREEN', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'];
const STATUS = ['Actual', 'Exercise', 'System', 'Test', 'Draft'];
const CATEGORY = ['Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'];
const RESPONSE = ['', 'Shelter', 'Evacuate', 'Prepare', 'Execute', 'Avoid', 'Monitor', 'Assess', 'AllClear', 'None'];
const URGENCY = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'];
const SEVERITY = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'];
const CERTAINTY = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'];
const SEEN = 'rampart.alertsSeen';
const DRAW = '#b3261e';

let page = null;

const seen = () => new Set(JSON.parse(localStorage.getItem(SEEN) || '[]'));
function markSeen(id) {
  const s = seen();
  s.add(id);
  localStorage.setItem(SEEN, JSON.stringify([...s].slice(-500)));
}

const tlpClass = (t) => `tlp tlp-${t.replace('TLP:', '').replace('+', '-').toLowerCase()}`;
const tlpBadge = (t) => h('span', { class: tlpClass(t) }, t);
const choice = (id, values, value) => h('select', { id }, values.map((v) => h('option', { value: v, selected: v === value }, v || '—')));
const field = (label, control) => h('label', { class: 'field' }, h('span', null, label), control);

/** May the signed-in user compose and approve alerts (the server decides; this shows buttons). */
const issuer = () => !!currentUser()?.may_issue_alerts;

export async function showAlerts(root, arg) {
  if (!page) page = build(root);
  await page.refresh();
  if (arg === 'new') page.compose();
  else if (arg) await page.open(arg);
  else page.showDetail(null);
}

function build(root) {
  const list = h('ul', { id: 'alert-list', class: 'alert-list', 'aria-label': 'Alerts' });
  const count = h('span', { id: 'alert-count', class: 'muted' });
  const live = h('span', { id: 'alert-live', class: 'tag tag-muted', title: 'Live delivery' }, 'connecting…');
  const detail = h('section', { id: 'alert-detail', class: 'alert-detail', 'aria-live': 'polite' });
  const composer = h('section', { id: 'alert-composer', class: 'alert-composer', hidden: true });
  replace(root, h('div', { class: 'threat-view alerts-view' },
    h('div', { class: 'panel-head' }, h('h1', { class: 'page-title' }, 'Alerts'), count, live,
      issuer() ? h('a', { id: 'alert-new', class: 'btn btn-small', href: '#/alerts/new' }, 'New alert') : null),
    h('div', { class: 'alerts-layout' }, h('div', { class: 'alert-inbox' }, list), h('div', null, detail, composer))));

  let items = [];
  let selected = null;
  let mapApi = null;

  // The inbox comes a page at a time, newest first; "Show older alerts" asks for the next.
  let next = null;

  async function refresh() {
    try {
      const r = await get('/alerts');
      items = r.items;
      next = r.next_before || null;
    } catch (e) {
      replace(list, h('li', { class: 'form-error' }, e.message));
      return;
    }
    render();
  }

  async function older() {
    try {
      const r = await get(`/alerts?before=${encodeURIComponent(next)}`);
      items = items.concat(r.items);
      next = r.next_before || null;
    } catch (e) {
      toast(e.message, 'error');
      return;
    }
    render();
  }

  function render() {
    const s = seen();
    count.textContent = `${items.length} alert${items.length === 1 ? '' : 's'}${next ? ' (older ones not shown yet)' : ''}`;
    const more = next ? h('li', null, h('button', { type: 'button', class: 'btn btn-small', id: 'alert-older', onclick: older }, 'Show older alerts')) : null;
    replace(list, items.length === 0 ? h('li', { class: 'muted' }, 'No alerts.') : [...items.map((a) => {
      const unread = a.state === 'published' && !s.has(a.id);
      return h('li', { class: `alert-item${unread ? ' unread' : ''}${a.id === selected ? ' selected' : ''}`, dataset: { alertId: a.id, state: a.state } },
        h('a', { href: `#/alerts/${encodeURIComponent(a.id)}` },
          h('div', { class: 'alert-item-head' }, tlpBadge(a.tlp), h('span', { class: 'tag' }, a.msg_type), h('span', { class: 'tag tag-muted' }, a.state),
            a.acknowledged ? h('span', { class: 'tag tag-ok' }, 'acknowledged') : a.may_acknowledge ? h('span', { class: 'tag tag-warn' }, 'to acknowledge') : null),
          h('div', { class: 'alert-item-title' }, a.headline || '(no headline)'),
          h('div', { class: 'muted small' }, `${a.organisation} · ${a.published_at || a.updated_at}`)));
    }), more]);
    document.body.dataset.alertsLoaded = String(Number(document.body.dataset.alertsLoaded || 0) + 1);
  }

  async function act(path, body, message) {
    try {
      const r = await post(path, body);
      toast(message, 'success');
      await refresh();
      return r;
    } catch (e) {
      toast(e.message, 'error');
      return null;
    }
  }

  async function open(id) {
    selected = id;
    composer.hidden = true;
    detail.hidden = false;
    let a;
    try {
      a = await get(`/alerts/${encodeURIComponent(id)}`);
    } catch (e) {
      replace(detail, h('div', { id: 'alert-missing', class: 'empty-state' }, e instanceof ApiError && e.status === 404 ? 'This alert does not exist.' : e.message));
      return;
    }
    if (a.state === 'published') markSeen(a.id);
    for (const li of list.querySelectorAll('.alert-item')) {
      li.classList.toggle('selected', li.dataset.alertId === id);
      if (li.dataset.alertId === id) li.classList.remove('unread');
    }
    const me = currentUser();
    const own = a.organisation === me.organisation_id && issuer();
    const info = a.cap.infos?.[0] || {};
    const base = `/alerts/${encodeURIComponent(a.id)}`;
    const buttons = [];
    const button = (id2, text, path, msg, cls = 'btn btn-small') => buttons.push(h('button', { type: 'button', id: id2, class: cls, onclick: async () => {
      const r = await act(path, {}, msg);
      if (!r) return;
      const drafted = path.endsWith('/update') || path.endsWith('/cancel');
      if (drafted) window.location.hash = `#/alerts/${encodeURIComponent(r.id)}`;
      else await open(a.id);
    } }, text));
    if (own && a.state === 'draft') button('alert-submit', 'Submit for approval', `${base}/submit`, 'Submitted for approval');
    if (own && a.state === 'pending' && a.author !== me.username) button('alert-approve', 'Approve', `${base}/approve`, 'Approved');
    if (own && (a.state === 'pending' || a.state === 'approved')) button('alert-reject', 'Back to draft', `${base}/reject`, 'Sent back to draft', 'btn btn-secondary btn-small');
    if (own && a.state === 'approved') button('alert-publish', 'Publish', `${base}/publish`, 'Published');
    if (own && a.state === 'published' && !a.followed_by && a.msg_type !== 'Cancel') {
      button('alert-update', 'Compose update', `${base}/update`, 'Update drafted', 'btn btn-secondary btn-small');
      button('alert-cancel', 'Compose cancel', `${base}/cancel`, 'Cancel drafted', 'btn btn-danger btn-small');
    }
    if (a.may_acknowledge && !a.acknowledged) button('alert-ack', 'Acknowledge', `${base}/ack`, 'Acknowledged');
    const area = (info.areas || []).map((x) => x.area_desc).join('; ');
    replace(detail,
      h('div', { class: 'panel-head' }, tlpBadge(a.tlp), h('h2', { id: 'alert-headline', class: 'section-title' }, a.headline || info.event || a.identifier)),
      h('dl', { class: 'facts facts-compact' },
        ...[['State', a.state, 'alert-state'], ['Message', a.msg_type], ['Event', info.event], ['Urgency / severity / certainty', `${info.urgency} / ${info.severity} / ${info.certainty}`],
          ['Area', area], ['Sender', `${a.sender} (${a.organisation})`], ['Sent', a.sent], ['Author', a.author], ['Approver', a.approver || '—'],
          ['Identifier', a.identifier], ['Acknowledged by your organisation', a.acknowledged ? 'yes' : 'no', 'alert-acknowledged']]
          .flatMap(([k, v, id2]) => [h('dt', null, k), h('dd', { id: id2 }, v ?? '—')])),
      info.description ? h('p', { class: 'alert-text' }, info.description) : null,
      info.instruction ? h('p', { class: 'alert-text' }, h('strong', null, 'Instruction: '), info.instruction) : null,
      a.references.length ? h('p', null, 'Follows ', a.references.map((r) => h('a', { href: `#/alerts/${r}` }, r))) : null,
      a.followed_by ? h('p', null, 'Followed by ', h('a', { href: `#/alerts/${a.followed_by}` }, a.followed_by)) : null,
      h('div', { class: 'button-row' }, buttons,
        h('a', { class: 'btn btn-secondary btn-small', href: `api/v1${base}.xml`, download: `${a.identifier}.xml` }, 'CAP XML')),
      h('div', { id: 'alert-extra' }));
    const extra = detail.querySelector('#alert-extra');
    if (own && a.state !== 'published') {
      try {
        const m = await get(`${base}/matches`);
        extra.append(h('h3', { class: 'subhead' }, 'Recipients by area (preview)'),
          h('ul', { id: 'alert-matches', class: 'plain-list' }, m.items.length ? m.items.map((x) => h('li', null, `${x.organisation}: ${x.asset_ids.join(', ')}`)) : h('li', { class: 'muted' }, 'No registry sites inside the area.')));
      } catch (e) {
        extra.append(h('p', { class: 'form-error' }, e.message));
      }
    }
    if (a.recipients) {
      extra.append(h('h3', { class: 'subhead' }, 'Recipients'), h('ul', { id: 'alert-recipients', class: 'plain-list' },
        a.recipients.map((r) => h('li', null, `${r.organisation}${r.username ? ` (${r.username})` : ''} — ${r.reason}${r.asset_ids.length ? `: ${r.asset_ids.join(', ')}` : ''}`))));
    }
    if (a.state === 'published') {
      const acks = await get(`${base}/acks`);
      extra.append(h('h3', { class: 'subhead' }, 'Acknowledgements'), h('ul', { id: 'alert-acks', class: 'plain-list' },
        acks.items.length ? acks.items.map((k) => h('li', null, `${k.organisation} — ${k.username}, ${k.at}`)) : h('li', { class: 'muted' }, 'None yet.')));
    }
  }

  function showDetail(id) {
    selected = id;
    composer.hidden = true;
    detail.hidden = false;
    if (!id) replace(detail, h('div', { class: 'empty-state' }, 'Select an alert.'));
  }

  async function compose() {
    selected = null;
    detail.hidden = true;
    composer.hidden = false;
    const mapEl = h('div', { id: 'alert-map', class: 'threat-map', role: 'region', 'aria-label': 'Alert area', tabindex: '0' });
    const status = h('p', { id: 'alert-draw-status', class: 'muted', role: 'status' }, 'Draw the area: polygons and circles.');
    const radius = h('input', { id: 'alert-radius', type: 'number', min: '0', step: '0.1', value: '2' });
    const error = h('div', { id: 'alert-error', class: 'form-error', role: 'alert', hidden: true });
    replace(composer, h('div', { class: 'threat-layout' },
      h('div', { class: 'threat-form' },
        h('h2', { class: 'section-title' }, 'New alert'),
        field('Event', h('input', { id: 'alert-event', type: 'text', required: true })),
        field('Headline', h('input', { id: 'alert-headline-input', type: 'text' })),
        field('Description', h('textarea', { id: 'alert-description', rows: '3' })),
        field('Instruction', h('textarea', { id: 'alert-instruction', rows: '2' })),
        h('div', { class: 'form-row' }, field('Status', choice('alert-status', STATUS, 'Actual')), field('Category', choice('alert-category', CATEGORY, 'Security'))),
        h('div', { class: 'form-row' }, field('Urgency', choice('alert-urgency', URGENCY, 'Immediate')), field('Severity', choice('alert-severity', SEVERITY, 'Severe'))),
        h('div', { class: 'form-row' }, field('Certainty', choice('alert-certainty', CERTAINTY, 'Likely')), field('Response', choice('alert-response', RESPONSE, ''))),
        field('Area description', h('input', { id: 'alert-area-desc', type: 'text' })),
        h('div', { class: 'form-row' }, field('TLP label', choice('alert-tlp', TLP, 'TLP:AMBER')), field('Community (TLP:GREEN)', h('input', { id: 'alert-community', type: 'text' }))),
        field('Named recipients (usernames, for TLP:RED)', h('input', { id: 'alert-recipients-input', type: 'text', placeholder: 'liaison.grid, …' })),
        status,
        h('div', { class: 'button-row' },
          h('button', { type: 'button', id: 'alert-draw-polygon', class: 'btn btn-secondary btn-small', onclick: () => mapApi.draw('polygon') }, 'Draw polygon'),
          h('button', { type: 'button', id: 'alert-close-polygon', class: 'btn btn-secondary btn-small', onclick: () => mapApi.finish() }, 'Close polygon'),
          h('button', { type: 'button', id: 'alert-draw-circle', class: 'btn btn-secondary btn-small', onclick: () => mapApi.draw('circle') }, 'Place circle'),
          h('button', { type: 'button', id: 'alert-clear-area', class: 'btn btn-secondary btn-small', onclick: () => mapApi.clear() }, 'Clear')),
        field('Circle radius (km)', radius),
        h('button', { type: 'button', id: 'alert-save', class: 'btn', onclick: save }, 'Save draft'),
        error),
      mapEl));
    mapApi = await createAlertMap(mapEl, () => Number(radius.value) || 0, (s) => {
      status.textContent = s.mode === 'polygon' ? `Drawing a polygon: ${s.vertices} vertices (double-click or Close polygon to finish).`
        : s.mode === 'circle' ? 'Click the centre of the circle.'
        : `${s.polygons} polygon${s.polygons === 1 ? '' : 's'}, ${s.circles} circle${s.circles === 1 ? '' : 's'}.`;
    });

    async function save() {
      error.hidden = true;
      const v = (id) => composer.querySelector(`#${id}`).value.trim();
      const shapes = mapApi.shapes();
      const info = {
        categories: [v('alert-category')], event: v('alert-event'), urgency: v('alert-urgency'), severity: v('alert-severity'), certainty: v('alert-certainty'),
        headline: v('alert-headline-input') || undefined, description: v('alert-description') || undefined, instruction: v('alert-instruction') || undefined,
        response_types: v('alert-response') ? [v('alert-response')] : undefined,
        areas: shapes.polygons.length || shapes.circles.length ? [{ area_desc: v('alert-area-desc') || 'Drawn area', polygons: shapes.polygons, circles: shapes.circles }] : undefined,
      };
      const body = {
        tlp: v('alert-tlp'), community: v('alert-community') || undefined,
        recipients: v('alert-recipients-input') ? v('alert-recipients-input').split(',').map((s) => s.trim()).filter(Boolean) : undefined,
        cap: { status: v('alert-status'), infos: [info] },
      };
      try {
        const a = await post('/alerts', body);
        toast('Draft saved', 'success');
        window.location.hash = `#/alerts/${encodeURIComponent(a.id)}`;
      } catch (e) {
        error.hidden = false;
        replace(error, e.message, e.fieldErrors?.length ? h('ul', null, e.fieldErrors.map((f) => h('li', null, `${f.field}: ${f.message}`))) : null);
      }
    }
  }

  // Live delivery: a new or changed alert refreshes the inbox and, if it is open, the alert.
  const source = new EventSource('api/v1/events');
  source.onopen = () => { live.textContent = 'live'; live.className = 'tag tag-ok'; };
  source.onerror = () => { live.textContent = 'reconnecting…'; live.className = 'tag tag-warn'; };
  for (const kind of ['published', 'acknowledged', 'escalated', 'relabelled']) {
    source.addEventListener(kind, async (e) => {
      const data = JSON.parse(e.data);
      document.body.dataset.alertEvents = String(Number(document.body.dataset.alertEvents || 0) + 1);
      await refresh();
      if (data.alert_id === selected && !detail.hidden) await open(selected);
    });
  }

  return { refresh, open, compose, showDetail };
}

/** The composer's map: registry sites for orientation, and the area being drawn. */
async function createAlertMap(container, radiusKm, onChange) {
  const { map } = await newMap(container, (basemap) => ({
    version: 8,
    sources: { countries: { type: 'geojson', data: basemap }, assets: { type: 'geojson', data: EMPTY }, area: { type: 'geojson', data: EMPTY } },
    layers: [
      ...basemapLayers(),
      ...registryLayers({ dim: true }),
      { id: 'area-fill', type: 'fill', source: 'area', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': DRAW, 'fill-opacity': 0.15 } },
      { id: 'area-line', type: 'line', source: 'area', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': DRAW, 'line-width': 2 } },
      { id: 'area-vertices', type: 'circle', source: 'area', filter: ['==', ['geometry-type'], 'Point'],
        paint: { 'circle-radius': 4, 'circle-color': '#fff', 'circle-stroke-color': DRAW, 'circle-stroke-width': 2 } },
    ],
  }));
  window.rampartAlertMap = map;
  let ready = false;
  const fetchInView = registryInView(map, 'alert map');
  map.on('load', () => { ready = true; document.body.dataset.alertMapReady = '1'; fetchInView(); });
  map.on('moveend', () => ready && fetchInView());

  let mode = null;
  let vertices = [];
  const polygons = []; // rings of [lon, lat], closed
  const circles = []; // {lon, lat, km}

  function circleRing(c) {
    const ring = [];
    for (let i = 0; i <= 64; i += 1) {
      const t = (i / 64) * 2 * Math.PI;
      const dLat = (c.km / 111.32) * Math.cos(t);
      const dLon = (c.km / (111.32 * Math.cos((c.lat * Math.PI) / 180))) * Math.sin(t);
      ring.push([c.lon + dLon, c.lat + dLat]);
    }
    return ring;
  }

  function redraw() {
    const features = [
      ...polygons.map((r) => ({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [r] } })),
      ...circles.map((c) => ({ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [circleRing(c)] } })),
      ...vertices.map((p) => ({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } })),
    ];
    if (vertices.length >= 2) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: vertices } });
    const set = () => map.getSource('area')?.setData({ type: 'FeatureCollection', features });
    if (ready) set(); else map.once('load', set);
    map.getCanvas().classList.toggle('placing', !!mode);
    onChange({ mode, vertices: vertices.length, polygons: polygons.length, circles: circles.length });
    container.dataset.polygons = String(polygons.length);
    container.dataset.circles = String(circles.length);
  }

  const round = (x) => Number(x.toFixed(5));
  map.on('click', (e) => {
    const p = [round(e.lngLat.lng), round(e.lngLat.lat)];
    if (mode === 'polygon') {
      vertices.push(p);
      redraw();
    } else if (mode === 'circle') {
      circles.push({ lon: p[0], lat: p[1], km: radiusKm() });
      mode = null;
      redraw();
    }
  });
  // A double click (its two clicks added two vertices at one place) closes the polygon;
  // two quick clicks far apart are two vertices.
  const near = (a, b) => {
    const [p, q] = [map.project(a), map.project(b)];
    return Math.hypot(p.x - q.x, p.y - q.y) < 6;
  };
  map.on('dblclick', (e) => {
    if (mode !== 'polygon') return;
    e.preventDefault();
    if (vertices.length < 2 || !near(vertices.at(-1), vertices.at(-2))) return;
    while (vertices.length > 1 && near(vertices.at(-1), vertices.at(-2))) vertices.pop();
    api.finish();
  });

  const api = {
    draw(m) {
      mode = m;
      vertices = [];
      if (m === 'polygon') map.doubleClickZoom.disable();
      redraw();
    },
    /** Closes the polygon being drawn; fewer than three vertices make no polygon. */
    finish() {
      if (mode === 'polygon' && vertices.length >= 3) polygons.push([...vertices, vertices[0]]);
      vertices = [];
      mode = null;
      setTimeout(() => map.doubleClickZoom.enable(), 0);
      redraw();
    },
    clear() {
      polygons.length = 0;
      circles.length = 0;
      vertices = [];
      mode = null;
      redraw();
    },
    /** The area as CAP writes it: polygons "lat,lon …" closed, circles "lat,lon radius". */
    shapes() {
      return {
        polygons: polygons.map((r) => r.map(([lon, lat]) => `${lat},${lon}`).join(' ')),
        circles: circles.map((c) => `${c.lat},${c.lon} ${c.km}`),
      };
    },
  };
  return api;
}
