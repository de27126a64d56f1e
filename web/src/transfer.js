// Import / export page (admins, analysts, operators): upload a GeoJSON, CSV or
// OpenStreetMap file to POST /import (check first, or import: all or nothing),
// and download the registry as GeoJSON or CSV from GET /export.*.
import { query, upload } from './api.js';
import { h, replace, select } from './dom.js';
import { fmtInt } from './format.js';
import { countryName, getMeta } from './meta.js';
import { currentUser, isAdmin } from './session.js';

const TABLES = [
  { value: 'assets', label: 'Assets' },
  { value: 'dependencies', label: 'Dependencies' },
  { value: 'links', label: 'Network links' },
  { value: 'organisations', label: 'Organisations' },
];
const SHOWN_WARNINGS = 10;
/** The server stops reading after this many problems (docs/formats.md). */
const MAX_PROBLEMS = 20;

function fmtBytes(n) {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

function fmtMs(ms) {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

const plural = (n, one, many) => `${fmtInt(n)} ${n === 1 ? one : many}`;

/** An issue's place ("assets.csv: line 3, column country") from {file, position, field, text, message}. */
function issuePlace(i) {
  if (i.text && i.message && i.text.endsWith(`: ${i.message}`)) return i.text.slice(0, -(i.message.length + 2));
  return [i.file, i.position, i.field].filter(Boolean).join(': ');
}

function problemList(items, id) {
  return h('ul', { class: 'problem-list', id },
    items.map((p) => h('li', { dataset: { testid: 'import-problem' } },
      p.place ? h('code', { class: 'problem-place' }, p.place) : null,
      h('span', { class: 'problem-message' }, p.message))));
}

function formatOf(name) {
  if (/\.(geo)?json$/i.test(name)) return 'GeoJSON';
  if (/\.csv$/i.test(name)) return 'CSV';
  if (/\.pbf$/i.test(name)) return 'OpenStreetMap PBF';
  return 'Format recognised from the content';
}

function formatHelp() {
  const item = (title, ext, ...text) => h('div', { class: 'format' },
    h('dt', null, title, ' ', h('span', { class: 'format-ext' }, ext)),
    h('dd', null, text));
  return h('dl', { class: 'formats' },
    item('GeoJSON', '.geojson, .json',
      'One FeatureCollection in longitude/latitude. Assets are Point or Polygon features with the asset fields as properties; ',
      'dependencies and network links are features with ', h('code', null, 'feature_type'), ' "dependency" or "link"; ',
      'organisations go in a top-level ', h('code', null, 'organisations'), ' list. Exported files import back.'),
    item('CSV', '.csv',
      'One table per file, with a header line naming the columns: ',
      h('code', null, 'assets.csv'), ', ', h('code', null, 'dependencies.csv'), ', ',
      h('code', null, 'links.csv'), ' or ', h('code', null, 'organisations.csv'),
      ' (the table is recognised from the file name, or else from the header). Separated by commas, semicolons or tabs; decimal points.'),
    item('OpenStreetMap', '.osm.pbf',
      'An extract; substations, power plants, hospitals, stations, stadiums and similar elements become assets, mapped by their tags. ',
      'Ids are ', h('code', null, 'osm:node/…'), ' and ', h('code', null, 'osm:way/…'), '.'));
}

/** What the server's import rules allow this user (crates/rampart-server/src/transfer.rs). */
function permissionNote() {
  const user = currentUser();
  if (isAdmin()) return null;
  const text = user.role === 'operator'
    ? ['As an operator you may import assets operated by your organisation (',
      h('code', null, `operator_id ${user.organisation_id}`), '). ']
    : user.country
      ? [`As an analyst you may import assets in ${countryName(user.country)}. `]
      : ['As an analyst you may import assets, dependencies and network links. '];
  if (user.role === 'operator' || user.country) text.push('Dependencies and network links in files need registry-wide rights. ');
  text.push('Organisations are imported by administrators.');
  return h('p', { class: 'note', id: 'import-permissions' }, text);
}

function importCard() {
  const file = h('input', {
    type: 'file', id: 'import-file', name: 'file', accept: '.geojson,.json,.csv,.pbf', class: 'file-input',
  });
  const fileInfo = h('p', { class: 'file-info muted small', id: 'import-file-info' }, 'GeoJSON, CSV or OpenStreetMap PBF.');
  const table = select({ id: 'import-table', name: 'table' }, TABLES, 'Recognise automatically');
  const tableField = h('label', { class: 'field table-field', hidden: true },
    h('span', { class: 'field-label' }, 'CSV table'), table);
  const check = h('button', { type: 'button', class: 'btn btn-secondary', id: 'import-check', disabled: true }, 'Check');
  const run = h('button', { type: 'button', class: 'btn', id: 'import-run', disabled: true }, 'Import');
  const progress = h('div', { class: 'import-progress', id: 'import-progress', hidden: true });
  const result = h('div', { class: 'import-result', id: 'import-result', 'aria-live': 'polite', hidden: true });
  const errors = h('div', { class: 'form-error import-errors', id: 'import-errors', role: 'alert', hidden: true });

  const form = h('div', { class: 'import-form' },
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'File'), file, fileInfo),
    tableField);

  let busy = false;
  const chosen = () => file.files?.[0] ?? null;
  const sync = () => {
    const f = chosen();
    check.disabled = busy || !f;
    run.disabled = busy || !f;
    file.disabled = busy;
    table.disabled = busy;
  };
  const clearOutcome = () => {
    result.hidden = true;
    errors.hidden = true;
    replace(result);
    replace(errors);
  };

  file.addEventListener('change', () => {
    const f = chosen();
    clearOutcome();
    if (f) {
      replace(fileInfo, `${formatOf(f.name)}, ${fmtBytes(f.size)}`);
      tableField.hidden = !/\.csv$/i.test(f.name);
      if (tableField.hidden) table.value = '';
    } else {
      replace(fileInfo, 'GeoJSON, CSV or OpenStreetMap PBF.');
      tableField.hidden = true;
    }
    form.classList.toggle('with-table', !tableField.hidden);
    sync();
  });

  const warnUnload = (e) => {
    if (!currentUser()) return; // the session ended: the app reloads to sign in again
    e.preventDefault();
    e.returnValue = '';
  };

  async function start(dry) {
    const f = chosen();
    if (!f || busy) return;
    busy = true;
    sync();
    clearOutcome();
    const started = Date.now();
    const label = dry ? 'Uploading and checking' : 'Uploading and importing';
    const seconds = h('span', { class: 'muted', 'aria-hidden': 'true' });
    replace(progress, h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      h('span', { role: 'status' }, `${label} `, h('strong', null, f.name), ` (${fmtBytes(f.size)})…`),
      seconds);
    progress.hidden = false;
    const timer = setInterval(() => {
      seconds.textContent = `${Math.floor((Date.now() - started) / 1000)} s`;
    }, 1000);
    window.addEventListener('beforeunload', warnUnload);
    try {
      const params = { name: f.name, check: dry ? 'true' : 'false' };
      if (table.value && !tableField.hidden) Object.assign(params, { format: 'csv', table: table.value });
      const r = await upload(`/import${query(params)}`, f);
      showResult(result, r, f.name);
    } catch (e) {
      showError(errors, e, f, dry);
    } finally {
      clearInterval(timer);
      window.removeEventListener('beforeunload', warnUnload);
      progress.hidden = true;
      busy = false;
      sync();
    }
    (result.hidden ? errors : result).scrollIntoView({ block: 'nearest' });
  }
  check.addEventListener('click', () => start(true));
  run.addEventListener('click', () => start(false));

  return h('section', { class: 'card transfer-card', 'aria-labelledby': 'import-title' },
    h('h2', { class: 'section-title', id: 'import-title' }, 'Import'),
    h('p', { class: 'lead' },
      'Add organisations, assets, dependencies and network links from a file (see the formats below). ',
      h('strong', null, 'Everything or nothing is imported:'),
      ' every record is checked first, and if anything is wrong nothing is written. ',
      'Use ', h('em', null, 'Check'), ' for a dry run that reports what would be imported.'),
    permissionNote(),
    form,
    h('div', { class: 'form-actions' }, check, run),
    progress,
    errors,
    result,
    h('h3', { class: 'subhead formats-title' }, 'Formats'),
    formatHelp());
}

function showResult(box, r, name) {
  const rows = [
    ['Organisations', r.organisations],
    ['Assets', r.assets],
    ['Dependencies', r.dependencies],
    ['Network links', r.links],
  ];
  const total = rows.reduce((n, [, v]) => n + (v || 0), 0);
  const skipped = Object.entries(r.skipped || {}).filter(([, n]) => n > 0);
  const shown = (r.warnings || []).slice(0, SHOWN_WARNINGS);
  const head = r.committed
    ? h('div', { class: 'result-head result-ok' },
      h('strong', null, `Imported ${name}`),
      h('span', null, `${plural(total, 'record', 'records')} written in ${fmtMs(r.elapsed_ms)}.`))
    : h('div', { class: 'result-head result-check' },
      h('strong', null, `Check passed: ${name}`),
      h('span', { id: 'import-nothing-written' }, 'Nothing was written. '),
      h('span', null, `Importing this file would add or update ${plural(total, 'record', 'records')}.`));

  replace(box,
    head,
    h('table', { class: 'data-table counts-table', id: 'import-counts' },
      h('thead', null, h('tr', null, h('th', null, 'Records'), h('th', { class: 'num' }, r.committed ? 'Imported' : 'Would be imported'))),
      h('tbody', null, rows.map(([label, n]) => h('tr', { dataset: { kind: label.toLowerCase().replace(' ', '-') } },
        h('td', null, label), h('td', { class: n ? 'num' : 'num zero' }, fmtInt(n ?? 0)))))),
    skipped.length
      ? h('div', { class: 'result-section' },
        h('h3', { class: 'subhead' }, 'Skipped'),
        h('ul', { class: 'plain-list', id: 'import-skipped' },
          skipped.map(([reason, n]) => h('li', null, h('span', { class: 'tag' }, fmtInt(n)), ' ', reason))))
      : null,
    r.warning_count
      ? h('div', { class: 'result-section' },
        h('h3', { class: 'subhead' }, plural(r.warning_count, 'warning', 'warnings'),
          r.warning_count > shown.length ? h('span', { class: 'muted' }, ` · the first ${fmtInt(shown.length)} shown`) : null),
        problemList(shown.map((w) => ({ place: issuePlace(w), message: w.message })), 'import-warnings'))
      : null,
    r.committed && r.assets
      ? h('p', { class: 'small' }, h('a', { href: '#/map' }, 'Open the registry map'))
      : null);
  box.hidden = false;
}

function showError(box, e, file, dry) {
  const what = dry ? 'The check found problems' : 'The file was not imported';
  if (e.status === 422 && e.fieldErrors.length) {
    const list = e.fieldErrors.map((fe) => ({ place: fe.field, message: fe.message }));
    replace(box,
      h('p', null, h('strong', null, `${what}: ${plural(list.length, 'problem', 'problems')} in ${file.name}.`),
        ' Nothing was written. Correct the file and try again.'),
      problemList(list, 'import-problems'),
      list.length >= MAX_PROBLEMS
        ? h('p', { class: 'small' }, `Reading stops after ${MAX_PROBLEMS} problems, so there may be more.`)
        : null);
  } else {
    let detail = e.message;
    if (e.status === 413) detail = `${file.name} (${fmtBytes(file.size)}) is larger than this server accepts for an import.`;
    else if (e.status === 403 && !e.problem?.detail) detail = 'You may not import files.';
    detail = detail.replace(/^./, (c) => c.toUpperCase());
    if (e.status === 0) {
      // The answer was lost: an import may or may not have been written.
      replace(box,
        h('p', null, h('strong', null, 'No answer from the server.'),
          ' The upload was interrupted: the server could not be reached or closed the connection.'),
        dry ? null : h('p', { class: 'error-detail' },
          'The import may still have gone through: check the file again, and if its assets are reported as already in the registry, it did.'));
    } else {
      const title = e.status === 409 ? `${what}: it conflicts with the registry.`
        : e.status === 403 ? `${what}: not allowed.` : `${what}.`;
      replace(box,
        h('p', null, h('strong', null, title), ' Nothing was written.'),
        h('p', { class: 'error-detail' }, detail));
    }
  }
  box.hidden = false;
}

function exportCard() {
  const m = getMeta();
  const sector = select({ id: 'export-sector', name: 'sector' },
    m.sectors.map((s) => ({ value: s.key, label: s.label })), 'All sectors');
  const country = select({ id: 'export-country', name: 'country' },
    m.countries.map((c) => ({ value: c.code, label: c.name })), 'All countries');
  const table = select({ id: 'export-table', name: 'table' }, TABLES);
  const geojson = h('a', { class: 'btn', id: 'export-geojson', download: 'rampart-registry.geojson' }, 'Download GeoJSON');
  const csv = h('a', { class: 'btn btn-secondary', id: 'export-csv' }, 'Download CSV');
  const scope = h('p', { class: 'muted small', id: 'export-scope' });

  const sync = () => {
    const filters = { sector: sector.value, country: country.value };
    geojson.href = `api/v1/export.geojson${query(filters)}`;
    csv.href = `api/v1/export.csv${query({ table: table.value, ...filters })}`;
    csv.setAttribute('download', `${table.value}.csv`);
    const what = `${sector.value ? sector.selectedOptions[0].textContent : 'All'} assets in ${country.value ? country.selectedOptions[0].textContent : 'all countries'}`;
    scope.textContent = `${what} that you may read, with the dependencies and network links between them. `
      + 'Organisations are always exported in full, since assets refer to them.';
  };
  for (const el of [sector, country, table]) el.addEventListener('change', sync);
  sync();

  const field = (label, control) => h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control);
  return h('section', { class: 'card transfer-card', 'aria-labelledby': 'export-title' },
    h('h2', { class: 'section-title', id: 'export-title' }, 'Export'),
    h('p', { class: 'lead' }, 'Download the part of the registry you may read, narrowed by sector and country.'),
    h('div', { class: 'form-row export-filters' }, field('Sector', sector), field('Country', country)),
    scope,
    h('div', { class: 'export-option' },
      h('div', null,
        h('h3', { class: 'subhead' }, 'GeoJSON'),
        h('p', { class: 'muted small' }, 'Assets, dependencies, network links and organisations in one file that imports back.')),
      geojson),
    h('div', { class: 'export-option' },
      h('div', null,
        h('h3', { class: 'subhead' }, 'CSV'),
        h('p', { class: 'muted small' }, 'One table per file, for spreadsheets.'),
        h('label', { class: 'field inline-field' }, h('span', { class: 'field-label' }, 'Table'), table)),
      csv));
}

/** Built once per session, so a running upload and the last result survive leaving the page. */
export function showTransfer(view) {
  if (view.firstChild) return;
  replace(view, h('div', { class: 'page' },
    h('h1', { class: 'page-title' }, 'Import and export'),
    h('p', { class: 'muted' }, 'Move registry data in and out of Rampart as GeoJSON, CSV or OpenStreetMap files.'),
    h('div', { class: 'transfer-grid' }, importCard(), exportCard())));
}
