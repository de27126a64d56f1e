// Assessments: #/assessments (the list and a request form) and #/assessments/{id} with
// tabs for the plan, the survey (guided by layer, autosaved with the version, notes and
// attachments, large touch targets), scores, findings, review, the report and the trail.
import { ApiError, enc, get, patch, post, put, upload } from './api.js';
import { debounce, h, replace, select, toast } from './dom.js';
import { currentUser } from './session.js';

const STATES = ['requested', 'planning', 'survey', 'scoring', 'findings', 'review', 'approved', 'issued'];
const EXPERTISE = [
  ['drones', 'Drones'], ['explosives_detection', 'Explosives detection'], ['cbrn_detection', 'CBRN detection'],
  ['intervention_tactics', 'Intervention tactics'], ['crisis_management', 'Crisis management'], ['physical_security', 'Physical security'],
];
const PRIORITIES = [['immediate', 'Immediate'], ['short', 'Within a year'], ['long', 'Longer term']];
const COSTS = [['low', 'under €10k'], ['medium', '€10k–100k'], ['high', '€100k–1M'], ['very_high', 'over €1M']];

const stateBadge = (s) => h('span', { class: `tag assess-state assess-state-${s}`, id: 'assess-state' }, s);

function errorBox() {
  return h('div', { class: 'form-error', role: 'alert', hidden: true });
}

function showError(box, err) {
  replace(box, h('p', null, err.message), (err.fieldErrors || []).map((fe) => h('p', null, `${fe.field}: ${fe.message}`)));
  box.hidden = false;
}

// ---------------------------------------------------------------- the list

export async function showAssessments(root) {
  const list = h('div', { class: 'table-wrap' }, h('p', { class: 'muted' }, 'Loading…'));
  const user = currentUser();
  const mayRequest = ['admin', 'analyst', 'operator'].includes(user.role);
  replace(root, h('div', { class: 'page' },
    h('h1', { class: 'page-title' }, 'Vulnerability assessments'),
    h('p', { class: 'muted' }, 'Confidential to the host organisation, the assessing team and administrators.'),
    mayRequest ? requestForm() : null,
    h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Assessments you may read'), list)));
  try {
    const data = await get('/assessments');
    const rows = data.items.map((a) => h('tr', null,
      h('td', null, h('a', { href: `#/assessments/${enc(a.id)}`, class: 'assess-link' }, a.title)),
      h('td', null, stateBadge(a.state)),
      h('td', null, a.asset_id),
      h('td', null, a.host_org),
      h('td', null, (a.team || []).join(', ')),
      h('td', null, a.starts_on ? `${a.starts_on} – ${a.ends_on}` : '—')));
    replace(list, rows.length
      ? h('table', { class: 'data-table', id: 'assess-list' },
        h('thead', null, h('tr', null, ['Title', 'State', 'Site', 'Host', 'Team', 'Dates'].map((t) => h('th', null, t)))),
        h('tbody', null, rows))
      : h('p', { class: 'muted', id: 'assess-list-empty' }, 'No assessments yet.'));
  } catch (e) {
    replace(list, h('p', { class: 'form-error' }, e.message));
  }
}

function requestForm() {
  const site = h('input', { id: 'assess-request-site', placeholder: 'e.g. DE-DEMO-STADIUM-1', required: true, autocomplete: 'off' });
  const lead = h('input', { id: 'assess-request-lead', placeholder: 'the assessor who leads', required: true, autocomplete: 'off' });
  const title = h('input', { id: 'assess-request-title', placeholder: 'optional', autocomplete: 'off' });
  const error = errorBox();
  const submit = h('button', { type: 'submit', class: 'btn', id: 'assess-request' }, 'Request assessment');
  const form = h('form', { class: 'card', id: 'assess-request-form', novalidate: true },
    h('h2', { class: 'section-title' }, 'Request an assessment'),
    error,
    h('div', { class: 'form-row form-row-3' },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Site (asset id)'), site),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Lead assessor (username)'), lead),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Title'), title)),
    h('div', { class: 'form-actions' }, submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    submit.disabled = true;
    try {
      const a = await post('/assessments', { asset_id: site.value.trim(), lead_assessor: lead.value.trim(), title: title.value.trim() || null });
      toast('Assessment requested.', 'success');
      window.location.hash = `#/assessments/${enc(a.id)}`;
    } catch (err) {
      showError(error, err);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

// ---------------------------------------------------------------- one assessment

const TABS = [['plan', 'Plan'], ['survey', 'Survey'], ['scores', 'Scores'], ['findings', 'Findings'], ['review', 'Review'],
  ['report', 'Report'], ['trail', 'Trail'], ['changes', 'Changes']];

export async function showAssessment(root, arg) {
  const [id, tab] = arg.split('/');
  let a;
  try {
    a = await get(`/assessments/${enc(id)}`);
  } catch (e) {
    replace(root, h('div', { class: 'page' }, h('h1', { class: 'page-title' }, 'Assessment'),
      h('p', { class: 'form-error', id: 'assess-error', role: 'alert' }, e.status === 404 ? `Assessment ${id} not found.` : e.message),
      h('a', { href: '#/assessments' }, 'All assessments')));
    return;
  }
  const current = TABS.some(([k]) => k === tab) ? tab : defaultTab(a);
  const body = h('div', { class: 'assess-body', id: `assess-tab-${current}` });
  replace(root, h('div', { class: 'page assess-page' },
    h('div', { class: 'assess-head' },
      h('div', null,
        h('h1', { class: 'page-title', id: 'assess-title' }, a.title),
        h('p', { class: 'muted' }, `${a.site?.name ?? a.asset_id} · host ${a.host_org} · `, stateBadge(a.state), ` · version ${a.version}`)),
      progress(a.state)),
    h('nav', { class: 'assess-tabs', role: 'tablist' }, TABS.map(([k, label]) => h('a', {
      href: `#/assessments/${enc(a.id)}/${k}`, id: `tab-${k}`, role: 'tab', class: k === current ? 'assess-tab active' : 'assess-tab',
      'aria-selected': k === current ? 'true' : 'false',
    }, label))),
    body));
  const reload = () => showAssessment(root, `${a.id}/${current}`);
  const go = (k) => { window.location.hash = `#/assessments/${enc(a.id)}/${k}`; };
  const views = { plan: planTab, survey: surveyTab, scores: scoresTab, findings: findingsTab, review: reviewTab, report: reportTab, trail: trailTab, changes: changesTab };
  await views[current](body, a, { reload, go });
}

function defaultTab(a) {
  return { requested: 'plan', planning: 'plan', survey: 'survey', scoring: 'scores', findings: 'findings', review: 'review', approved: 'report', issued: 'report' }[a.state];
}

function progress(state) {
  const at = STATES.indexOf(state);
  return h('ol', { class: 'assess-progress', 'aria-label': 'Workflow' },
    STATES.map((s, i) => h('li', { class: i < at ? 'done' : i === at ? 'current' : '' }, s)));
}

const may = (a, action) => (a.allowed_actions || []).includes(action);

async function act(button, error, fn) {
  error.hidden = true;
  button.disabled = true;
  try {
    return await fn();
  } catch (err) {
    showError(error, err);
    return null;
  } finally {
    button.disabled = false;
  }
}

// ---- plan

async function planTab(body, a, { reload, go }) {
  const plan = a.plan || {};
  if (!may(a, 'plan')) {
    replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Plan'),
      a.methodology
        ? h('dl', { class: 'assess-dl' },
          h('dt', null, 'Type'), h('dd', null, plan.kind === 'event' ? `Event security advice — ${plan.event_name}` : 'Facility pre-assessment'),
          h('dt', null, 'Methodology'), h('dd', null, `${a.methodology.id} ${a.methodology.version}`),
          h('dt', null, 'Dates'), h('dd', null, `${a.starts_on} – ${a.ends_on}`),
          h('dt', null, 'Team'), h('dd', null, a.team.map((m) => `${m.username} (${m.expertise.join(', ') || '—'})`).join('; ')))
        : h('p', { class: 'muted' }, `Requested; waiting for the team (${a.team.map((m) => m.username).join(', ')}) to plan it.`)));
    return;
  }
  const methodologies = (await get('/assessments/methodologies')).items;
  const kind = select({ id: 'plan-kind' }, [{ value: 'facility', label: 'Facility pre-assessment' }, { value: 'event', label: 'Event security advice' }]);
  kind.value = plan.kind || 'facility';
  const methodology = select({ id: 'plan-methodology' }, methodologies.map((m) => ({ value: m.id, label: `${m.title} (${m.version})` })));
  methodology.value = a.methodology?.id || methodologies[0]?.id;
  const from = h('input', { type: 'date', id: 'plan-from', value: a.starts_on || '' });
  const to = h('input', { type: 'date', id: 'plan-to', value: a.ends_on || '' });
  const eventName = h('input', { id: 'plan-event', value: plan.event_name || '', placeholder: 'for event security advice' });
  const members = h('div', { class: 'assess-team', id: 'plan-team' });
  const addMember = (m) => {
    const i = members.children.length;
    const name = h('input', { id: `plan-member-${i}`, value: m?.username || '', placeholder: 'username', autocomplete: 'off' });
    const boxes = EXPERTISE.map(([k, label]) => h('label', { class: 'assess-check' },
      h('input', { type: 'checkbox', value: k, checked: (m?.expertise || []).includes(k) }), label));
    members.append(h('div', { class: 'assess-member' }, name, h('div', { class: 'assess-checks' }, boxes)));
  };
  for (const m of a.team) addMember(m);
  const error = errorBox();
  const save = h('button', { type: 'button', class: 'btn', id: 'plan-save' }, 'Save plan');
  save.addEventListener('click', () => act(save, error, async () => {
    const team = [...members.children].map((row) => ({
      username: row.querySelector('input:not([type])').value.trim(),
      expertise: [...row.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value),
    })).filter((m) => m.username);
    await put(`/assessments/${enc(a.id)}/plan`, {
      version: a.version, kind: kind.value, methodology: methodology.value, starts_on: from.value, ends_on: to.value,
      event_name: eventName.value.trim() || null, team,
    });
    toast('Plan saved.', 'success');
    go('survey');
  }));
  replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Plan'), error,
    h('div', { class: 'form-row form-row-3' },
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Type'), kind),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Methodology'), methodology),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Event'), eventName),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'First day'), from),
      h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Last day'), to)),
    h('h3', null, 'Team and expertise'), members,
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn btn-secondary', id: 'plan-add-member', onclick: () => addMember() }, 'Add member'), save)));
  void reload;
}

// ---- survey

function answerControl(q, value, onChange, disabled) {
  const spec = q.answer;
  const name = `q-${q.id}`;
  const option = (v, label, hint) => {
    const input = h('input', { type: 'radio', name, value: String(v), checked: value === v, disabled, dataset: { question: q.id } });
    input.addEventListener('change', () => onChange(v));
    return h('label', { class: 'assess-option' }, input, h('span', null, label), hint ? h('small', null, hint) : null);
  };
  if (spec.kind === 'scale') {
    const opts = [];
    for (let v = spec.min; v <= spec.max; v += 1) {
      const label = (spec.labels || []).find((l) => l.from <= v && v <= l.to)?.label;
      opts.push(option(v, label || String(v)));
    }
    return h('div', { class: 'assess-options', role: 'radiogroup' }, opts);
  }
  if (spec.kind === 'yes-no') return h('div', { class: 'assess-options assess-options-2', role: 'radiogroup' }, option(true, 'Yes'), option(false, 'No'));
  return h('div', { class: 'assess-options', role: 'radiogroup' }, (spec.options || []).map((o) => option(o.key, o.label)));
}

async function surveyTab(body, a, { go }) {
  if (!a.methodology) {
    replace(body, h('p', { class: 'muted' }, 'Plan the assessment first: the methodology decides the questions.'));
    return;
  }
  const m = await get(`/assessments/${enc(a.id)}/methodology`);
  const editable = may(a, 'answer');
  const answers = { ...a.answers };
  let version = a.version;
  const pending = { answers: {}, notes: {} };
  let saving = false;
  const status = h('span', { class: 'assess-save', id: 'survey-save-status', role: 'status', 'aria-live': 'polite' }, editable ? 'All changes saved' : 'Read only');
  const counter = h('span', { id: 'survey-count' });
  const count = () => { counter.textContent = `${Object.keys(answers).length} of ${m.questions.length} answered`; };
  count();

  const flush = async () => {
    if (saving) return;
    const body = { version, answers: pending.answers, notes: pending.notes };
    if (!Object.keys(body.answers).length && !Object.keys(body.notes).length) return;
    pending.answers = {};
    pending.notes = {};
    saving = true;
    status.textContent = 'Saving…';
    status.dataset.state = 'saving';
    try {
      const r = await patch(`/assessments/${enc(a.id)}/answers`, body);
      version = r.version;
      status.textContent = 'All changes saved';
      status.dataset.state = 'saved';
    } catch (e) {
      if (e.status !== 0 && e.status < 500) {
        status.textContent = `Not saved: ${e.message}`;
      } else {
        // Keep what was not saved (a dropped connection on site): the next change retries it.
        Object.assign(pending.answers, { ...body.answers, ...pending.answers });
        Object.assign(pending.notes, { ...body.notes, ...pending.notes });
        status.textContent = `Not saved yet: ${e.message}`;
      }
      status.dataset.state = 'error';
    } finally {
      saving = false;
    }
    if (Object.keys(pending.answers).length || Object.keys(pending.notes).length) flush();
  };
  const soon = debounce(flush, 500);

  const layers = m.layers.map((layer) => {
    const qs = m.questions.filter((q) => q.layer === layer.id);
    return h('details', { class: 'card assess-layer', open: true, id: `layer-${layer.id}` },
      h('summary', null, h('span', { class: 'section-title' }, layer.title), h('span', { class: 'muted' }, ` · ${qs.length} questions`)),
      layer.description ? h('p', { class: 'muted' }, layer.description) : null,
      qs.map((q) => {
        const note = h('textarea', { rows: 2, id: `note-${q.id}`, placeholder: 'Note (what you saw, where)', disabled: !editable }, a.notes[q.id] || '');
        note.addEventListener('input', () => { pending.notes[q.id] = note.value; soon(); });
        const file = h('input', { type: 'file', accept: 'image/jpeg,image/png,application/pdf,text/plain', capture: 'environment', disabled: !editable, id: `file-${q.id}` });
        const files = h('ul', { class: 'assess-files' }, a.attachments.filter((f) => f.question_id === q.id).map(fileItem));
        file.addEventListener('change', async () => {
          const f = file.files[0];
          if (!f) return;
          try {
            const r = await upload(`/assessments/${enc(a.id)}/attachments?filename=${enc(f.name)}&question=${enc(q.id)}`, f);
            files.append(fileItem(r));
            toast(`${f.name} attached.`, 'success');
          } catch (e) {
            toast(e.message, 'error');
          }
          file.value = '';
        });
        return h('div', { class: 'assess-question', id: `question-${q.id}` },
          h('p', { class: 'assess-q' }, q.text),
          q.guidance ? h('p', { class: 'field-hint' }, q.guidance) : null,
          answerControl(q, answers[q.id], (v) => { answers[q.id] = v; pending.answers[q.id] = v; count(); soon(); }, !editable),
          h('div', { class: 'assess-extra' }, note, h('label', { class: 'btn btn-secondary btn-small assess-attach' }, 'Photo or document', file)),
          files);
      }));
  });
  const next = h('button', { type: 'button', class: 'btn', id: 'survey-to-scores' }, 'Go to scoring');
  next.addEventListener('click', async () => {
    soon.cancel();
    await flush();
    go('scores');
  });
  replace(body,
    h('div', { class: 'assess-survey-bar' }, counter, status, h('nav', { class: 'assess-layer-nav' }, m.layers.map((l) => h('a', { href: `#layer-${l.id}`, onclick: (e) => { e.preventDefault(); document.getElementById(`layer-${l.id}`)?.scrollIntoView(); } }, l.title))), next),
    layers);
}

function fileItem(f) {
  return h('li', null, h('a', { href: `api/v1${f.href.replace(/^\/api\/v1/, '')}`, download: f.filename }, f.filename), ` (${f.content_type.split(';')[0]}, ${Math.ceil(f.size_bytes / 1024)} KiB)`);
}

// ---- scores

/** The 5 × 5 matrix coloured by the methodology's levels (lowest green, highest red). */
function matrix(scores, m) {
  const levels = m.scoring.matrix.levels.map((l) => l.id);
  const shade = (l, c) => {
    const i = Math.max(0, levels.indexOf(m.scoring.matrix.cells[l - 1]?.[c - 1]));
    return levels.length > 1 ? Math.round((i * 4) / (levels.length - 1)) : 0;
  };
  const cells = [];
  for (let l = 5; l >= 1; l -= 1) {
    cells.push(h('div', { class: 'assess-axis' }, String(l)));
    for (let c = 1; c <= 5; c += 1) {
      const here = scores.scenarios.map((s, i) => [s, i]).filter(([s]) => s.before.likelihood === l && s.before.consequence === c);
      cells.push(h('div', { class: `assess-cell shade-${shade(l, c)}`, dataset: { level: m.scoring.matrix.cells[l - 1]?.[c - 1] ?? '' } }, here.map(([s, i]) => h('span', { class: 'assess-dot', title: s.title }, String(i + 1)))));
    }
  }
  cells.push(h('div', null), ...[1, 2, 3, 4, 5].map((c) => h('div', { class: 'assess-axis' }, String(c))));
  return h('div', { class: 'assess-matrix-wrap' },
    h('div', { class: 'assess-matrix', id: 'assess-matrix', role: 'img', 'aria-label': 'Risk matrix: likelihood rows, consequence columns' }, cells),
    h('p', { class: 'field-hint' }, 'Rows: likelihood (threat × vulnerability); columns: consequence (asset value). Numbers refer to the table.'));
}

function scoreTable(scores) {
  return h('table', { class: 'data-table', id: 'scores-table' },
    h('thead', null, h('tr', null, ['#', 'Scenario', 'Asset value', 'Threat', 'Vulnerability', 'Risk', 'With measures'].map((t) => h('th', null, t)))),
    h('tbody', null, scores.scenarios.map((s, i) => h('tr', null,
      h('td', null, String(i + 1)), h('td', null, s.title), h('td', { class: 'num' }, s.before.asset_value), h('td', { class: 'num' }, s.before.threat),
      h('td', { class: 'num' }, s.before.vulnerability),
      h('td', { class: 'num' }, `${s.before.risk} `, h('span', { class: `tag band-${s.before.band.toLowerCase()}` }, s.before.band)),
      h('td', { class: 'num' }, `${s.after.risk} `, h('span', { class: `tag band-${s.after.band.toLowerCase()}` }, s.after.band))))));
}

async function scoresTab(body, a, { reload, go }) {
  const error = errorBox();
  const run = h('button', { type: 'button', class: 'btn', id: 'score-run', disabled: !may(a, 'score') }, 'Score the survey');
  run.addEventListener('click', () => act(run, error, async () => {
    await post(`/assessments/${enc(a.id)}/score`);
    toast('Scored.', 'success');
    reload();
  }));
  const s = a.scores;
  const m = s ? await get(`/assessments/${enc(a.id)}/methodology`) : null;
  replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Scores'), error,
    h('div', { class: 'form-actions' }, run, s ? h('button', { type: 'button', class: 'btn btn-secondary', id: 'scores-to-findings', onclick: () => go('findings') }, 'Write findings') : null),
    s ? [h('p', { id: 'scores-overall' }, `Overall: ${s.overall.band} (highest risk ${s.overall.max_risk}); with the recommended measures: ${s.residual.band} (${s.residual.max_risk}).`),
      matrix(s, m), scoreTable(s)] : h('p', { class: 'muted' }, 'Not scored yet: complete the survey, then score it.')));
}

// ---- findings

function recRow(r) {
  const title = h('input', { value: r.title || '', class: 'rec-title', 'aria-label': 'Recommendation' });
  const text = h('textarea', { rows: 2, class: 'rec-text', 'aria-label': 'Details' }, r.text || '');
  const priority = select({ class: 'rec-priority', 'aria-label': 'Priority' }, PRIORITIES.map(([value, label]) => ({ value, label })));
  priority.value = r.priority || 'short';
  const cost = select({ class: 'rec-cost', 'aria-label': 'Cost band' }, COSTS.map(([value, label]) => ({ value, label })));
  cost.value = r.cost_band || 'low';
  const row = h('tr', { class: 'rec-row', dataset: { measure: r.measure || '', scenarios: (r.scenarios || []).join(',') } },
    h('td', null, title, text, r.measure ? h('small', { class: 'muted' }, `measure ${r.measure}`) : null),
    h('td', null, priority), h('td', null, cost),
    h('td', null, (r.scenarios || []).join(', ')),
    h('td', null, h('button', { type: 'button', class: 'btn btn-link btn-danger-text', onclick: () => row.remove() }, 'Remove')));
  return row;
}

async function findingsTab(body, a, { go }) {
  if (!a.scores) {
    replace(body, h('p', { class: 'muted' }, 'Score the survey first.'));
    return;
  }
  const f = a.findings || { summary: '', findings: [], recommendations: [] };
  const editable = may(a, 'findings');
  const summary = h('textarea', { rows: 4, id: 'findings-summary', disabled: !editable }, f.summary);
  const perScenario = a.scores.scenarios.map((s) => {
    const t = h('textarea', { rows: 2, id: `finding-${s.scenario}`, dataset: { scenario: s.scenario }, disabled: !editable },
      f.findings.filter((x) => x.scenario === s.scenario).map((x) => x.text).join('\n\n'));
    return h('label', { class: 'field' }, h('span', { class: 'field-label' }, `${s.title} — risk ${s.before.risk} (${s.before.band})`), t);
  });
  const rows = h('tbody', { id: 'recommendations' }, f.recommendations.map(recRow));
  const error = errorBox();
  const suggest = h('button', { type: 'button', class: 'btn btn-secondary', id: 'findings-suggest', disabled: !editable }, 'Add suggested recommendations');
  suggest.addEventListener('click', () => act(suggest, error, async () => {
    const s = await get(`/assessments/${enc(a.id)}/suggestions`);
    const have = new Set([...rows.children].map((r) => r.dataset.measure));
    for (const item of s.items.slice(0, 12)) if (!have.has(item.measure)) rows.append(recRow(item));
  }));
  const add = h('button', { type: 'button', class: 'btn btn-secondary', disabled: !editable, onclick: () => rows.append(recRow({})) }, 'Add recommendation');
  const save = h('button', { type: 'button', class: 'btn', id: 'findings-save', disabled: !editable }, 'Save findings');
  save.addEventListener('click', () => act(save, error, async () => {
    const findings = perScenario.map((l) => l.querySelector('textarea')).filter((t) => t.value.trim()).map((t) => ({ scenario: t.dataset.scenario, text: t.value.trim() }));
    const recommendations = [...rows.children].map((r) => ({
      measure: r.dataset.measure || null, title: r.querySelector('.rec-title').value.trim(), text: r.querySelector('.rec-text').value.trim(),
      priority: r.querySelector('.rec-priority').value, cost_band: r.querySelector('.rec-cost').value,
      scenarios: r.dataset.scenarios ? r.dataset.scenarios.split(',') : [],
    }));
    await put(`/assessments/${enc(a.id)}/findings`, { version: a.version, summary: summary.value.trim(), findings, recommendations });
    toast('Findings saved.', 'success');
    go('review');
  }));
  replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Findings and recommendations'), error,
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Executive summary'), summary),
    h('h3', null, 'Findings per scenario'), perScenario,
    h('h3', null, 'Recommendations (sorted by priority when saved)'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data-table' },
      h('thead', null, h('tr', null, ['Recommendation', 'Priority', 'Cost band', 'Scenarios', ''].map((t) => h('th', null, t)))), rows)),
    h('div', { class: 'form-actions' }, suggest, add, save)));
}

// ---- review, report, trail, changes

async function reviewTab(body, a, { reload }) {
  const error = errorBox();
  const comment = h('textarea', { rows: 3, id: 'review-comment', placeholder: 'What must change (to send back), or a note with the approval' });
  const button = (id, label, action, path, cls = 'btn') => {
    const b = h('button', { type: 'button', class: cls, id, disabled: !may(a, action) }, label);
    b.addEventListener('click', () => act(b, error, async () => {
      await post(`/assessments/${enc(a.id)}/${path}`, { version: a.version, comment: comment.value.trim() || null });
      toast(`${label}: done.`, 'success');
      reload();
    }));
    return b;
  };
  replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Review and approval'), error,
    h('p', null, a.findings_by ? `Findings written by ${a.findings_by}. A second person of the team reviews them.` : 'No findings yet.'),
    a.approved_by ? h('p', { id: 'review-approved' }, `Approved by ${a.approved_by}.`) : null,
    comment,
    h('div', { class: 'form-actions' },
      button('review-submit', 'Submit for review', 'submit', 'submit'),
      button('review-approve', 'Approve', 'approve', 'approve'),
      button('review-send-back', 'Send back', 'send_back', 'send-back', 'btn btn-secondary'))));
}

async function reportTab(body, a, { reload }) {
  const error = errorBox();
  const issue = h('button', { type: 'button', class: 'btn', id: 'report-issue', disabled: !may(a, 'issue') }, 'Issue the report');
  issue.addEventListener('click', () => act(issue, error, async () => {
    await post(`/assessments/${enc(a.id)}/issue`, { version: a.version });
    toast('Report issued.', 'success');
    reload();
  }));
  const base = `api/v1/assessments/${enc(a.id)}`;
  replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Report'), error,
    h('p', null, a.state === 'issued' ? `Issued ${a.issued_at.slice(0, 10)}.` : 'Until it is issued, the report is marked DRAFT.'),
    a.scores
      ? h('div', { class: 'form-actions' },
        h('a', { class: 'btn btn-secondary', id: 'report-html', href: `${base}/report.html`, target: '_blank', rel: 'noopener' }, 'Open HTML report'),
        h('a', { class: 'btn btn-secondary', id: 'report-pdf', href: `${base}/report.pdf`, download: `${a.id}.pdf` }, 'Download PDF'),
        issue)
      : h('p', { class: 'muted' }, 'The report needs the scores.')));
}

async function trailTab(body, a) {
  const t = await get(`/assessments/${enc(a.id)}/trail`);
  replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Trail'),
    h('table', { class: 'data-table', id: 'trail-table' },
      h('thead', null, h('tr', null, ['When', 'Who', 'Action', 'State', 'Detail'].map((x) => h('th', null, x)))),
      h('tbody', null, t.items.map((e) => h('tr', null, h('td', null, e.at.replace('T', ' ').slice(0, 19)), h('td', null, e.actor), h('td', null, e.action),
        h('td', null, e.from_state ? `${e.from_state} → ${e.to_state}` : e.to_state), h('td', null, e.detail)))))));
}

async function changesTab(body, a) {
  const c = await get(`/assessments/${enc(a.id)}/changes`);
  if (!c.previous_id) {
    replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, 'Changes since last time'), h('p', { class: 'muted' }, 'This is the first issued assessment of this site for this host.')));
    return;
  }
  replace(body, h('section', { class: 'card' }, h('h2', { class: 'section-title' }, `Changes since ${c.previous_title}`),
    h('table', { class: 'data-table', id: 'changes-risk' },
      h('thead', null, h('tr', null, ['Scenario', 'Risk then', 'Risk now', 'Change'].map((x) => h('th', null, x)))),
      h('tbody', null, c.scenarios.map((s) => h('tr', null, h('td', null, s.title), h('td', { class: 'num' }, s.risk_before ?? '—'), h('td', { class: 'num' }, s.risk_now),
        h('td', { class: 'num' }, s.change === null ? '—' : (s.change > 0 ? `+${s.change}` : String(s.change))))))),
    h('p', null, `${c.answers.length} answers changed.`),
    h('table', { class: 'data-table', id: 'changes-answers' },
      h('thead', null, h('tr', null, ['Question', 'Then', 'Now'].map((x) => h('th', null, x)))),
      h('tbody', null, c.answers.map((x) => h('tr', null, h('td', null, x.question), h('td', null, JSON.stringify(x.before)), h('td', null, JSON.stringify(x.now))))))));
}

export { ApiError };
