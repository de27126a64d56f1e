// #/library: the library of good practice, lessons learnt and guidance — full-text search
// over the documents the user may read (the server filters by TLP: hits, totals and
// counts per kind hold nothing else), a document with its attachments (edited and deleted
// here by its organisation's people; the server checks who may and the relabel rule), the
// form to publish one with its label and audience, and the community events list.
import { ApiError, del, get, post, put, upload } from './api.js';
import { h, replace, select } from './dom.js';
import { currentUser } from './session.js';

const KINDS = [
  { value: 'good_practice', label: 'Good practice' },
  { value: 'lessons_learnt', label: 'Lessons learnt' },
  { value: 'guidance', label: 'Guidance' },
  { value: 'exercise', label: 'Exercise report' },
  { value: 'other', label: 'Other' },
];
const KIND_LABEL = Object.fromEntries(KINDS.map((k) => [k.value, k.label]));
const TLP = ['TLP:GREEN', 'TLP:CLEAR', 'TLP:AMBER', 'TLP:AMBER+STRICT', 'TLP:RED'];
const TYPES = { pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', txt: 'text/plain', md: 'text/markdown', csv: 'text/csv' };

const tlpClass = (label) => label.replace(/^TLP:/, '').replace(/[^A-Z]/g, '').toLowerCase();
const badge = (label) => h('span', { class: `tlp tlp-${tlpClass(label)}` }, label);
const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }) + ' UTC' : '—');
const list = (s) => s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);

function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), control, hint ? h('span', { class: 'field-hint' }, hint) : null);
}

function problem(box, e) {
  const lines = e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => `${f.field}: ${f.message}`) : [e.message];
  replace(box, lines.map((l) => h('p', null, l)));
  box.hidden = false;
}

/** A snippet from the server: its text is escaped there and matches are in <b>; only <b> is kept. */
function snippetNode(html) {
  const p = h('p', { class: 'library-snippet' });
  for (const [i, part] of html.split(/<\/?b>/).entries()) {
    const text = part.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
    p.append(i % 2 ? h('mark', null, text) : document.createTextNode(text));
  }
  return p;
}

export async function showLibrary(view, id) {
  const q = h('input', { id: 'library-q', type: 'search', placeholder: 'Search the library', 'aria-label': 'Search words' });
  const kind = select({ id: 'library-kind', 'aria-label': 'Kind' }, KINDS, 'All kinds');
  const tag = h('input', { id: 'library-tag', placeholder: 'tag', 'aria-label': 'Tag' });
  const results = h('div', { id: 'library-results' });
  const detail = h('section', { id: 'library-detail', class: 'incident-detail', hidden: true });
  const formBox = h('section', { id: 'library-form-box', hidden: true });
  const events = h('section', { id: 'library-events' });
  const canPublish = currentUser()?.role !== 'viewer';
  replace(view,
    h('div', { class: 'threat-head' },
      h('h1', null, 'Library'),
      h('p', { class: 'lede' }, 'Good practice, lessons learnt and guidance shared across the network. You see exactly what the labels allow you to see.')),
    h('form', { class: 'incident-toolbar', id: 'library-search', onsubmit: (e) => { e.preventDefault(); search(); } },
      q, kind, tag, h('button', { type: 'submit', class: 'btn btn-primary', id: 'library-go' }, 'Search'),
      canPublish ? h('button', { type: 'button', id: 'library-new', class: 'btn', onclick: () => { formBox.hidden = false; detail.hidden = true; } }, 'Publish a document') : null),
    formBox, results, detail, events);
  if (canPublish) buildForm(formBox, async (newId) => { formBox.hidden = true; await search(); await open(newId); });

  async function search() {
    const params = new URLSearchParams();
    if (q.value.trim()) params.set('q', q.value.trim());
    if (kind.value) params.set('kind', kind.value);
    if (tag.value.trim()) params.set('tag', tag.value.trim());
    try {
      const r = await get(`/library/search?${params}`);
      renderResults(results, r, open);
    } catch (e) {
      replace(results, h('p', { class: 'form-error' }, e.message));
    }
  }
  async function open(docId) {
    detail.hidden = false;
    await renderDetail(detail, docId, search);
  }
  await search();
  await renderEvents(events);
  if (id) await open(id);
}

function renderResults(box, r, open) {
  const counts = Object.entries(r.kinds).map(([k, n]) => `${KIND_LABEL[k] || k}: ${n}`).join(' · ');
  if (!r.items.length) {
    replace(box, h('p', { class: 'empty', id: 'library-empty' }, 'No documents found.'));
    return;
  }
  replace(box,
    h('p', { id: 'library-total' }, `${r.total} document${r.total === 1 ? '' : 's'}${counts ? ` — ${counts}` : ''}`),
    h('ol', { id: 'library-hits', class: 'library-hits' }, r.items.map((d) => h('li', { dataset: { id: d.id } },
      h('a', { href: `#/library/${encodeURIComponent(d.id)}`, onclick: (e) => { e.preventDefault(); open(d.id); } }, d.title), ' ', badge(d.tlp),
      h('span', { class: 'library-meta' }, ` ${KIND_LABEL[d.kind] || d.kind} · ${d.organisation}${d.tags.length ? ` · ${d.tags.join(', ')}` : ''}`),
      d.snippet ? snippetNode(d.snippet) : (d.summary ? h('p', { class: 'library-snippet' }, d.summary) : null)))));
}

async function renderDetail(box, id, onChange) {
  let d;
  try {
    d = await get(`/library/documents/${encodeURIComponent(id)}`);
  } catch (e) {
    replace(box, h('p', { class: 'form-error', id: 'library-missing' }, e.message));
    return;
  }
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const file = h('input', { id: 'library-file', type: 'file', accept: Object.keys(TYPES).map((e) => `.${e}`).join(',') });
  const attach = async (e) => {
    e.preventDefault();
    error.hidden = true;
    const f = file.files[0];
    if (!f) return;
    const ext = f.name.split('.').pop().toLowerCase();
    try {
      await upload(`/library/documents/${encodeURIComponent(id)}/attachments?name=${encodeURIComponent(f.name)}`, f, { contentType: f.type || TYPES[ext] || 'application/octet-stream' });
      await renderDetail(box, id, onChange);
    } catch (err) {
      problem(error, err);
    }
  };
  const editing = h('div', { id: 'library-edit-box', hidden: true });
  const confirmDelete = h('button', { type: 'button', class: 'btn btn-danger', id: 'library-delete-confirm', hidden: true, onclick: async () => {
    error.hidden = true;
    try {
      await del(`/library/documents/${encodeURIComponent(id)}`);
      replace(box, h('p', { id: 'library-deleted' }, `Document “${d.title}” deleted.`));
      await onChange?.();
    } catch (err) {
      problem(error, err);
    }
  } }, 'Delete it for everyone');
  const actions = d.may_edit ? h('div', { class: 'form-actions', id: 'library-actions' },
    h('button', { type: 'button', class: 'btn', id: 'library-edit', onclick: () => {
      editing.hidden = false;
      buildEditForm(editing, d, async () => { await renderDetail(box, id, onChange); await onChange?.(); });
    } }, 'Edit'),
    h('button', { type: 'button', class: 'btn', id: 'library-delete', onclick: () => { confirmDelete.hidden = false; } }, 'Delete…'),
    confirmDelete) : null;
  const audience = [
    d.community ? `community ${d.community}` : null,
    d.recipient_orgs.length ? `organisations ${d.recipient_orgs.join(', ')}` : null,
    d.recipients.length ? `people ${d.recipients.join(', ')}` : null,
  ].filter(Boolean).join('; ');
  replace(box,
    h('h2', { id: 'library-heading' }, d.title, ' ', badge(d.tlp)),
    h('p', { class: 'library-meta' }, `${KIND_LABEL[d.kind] || d.kind} from ${d.organisation} (${d.author}), updated ${when(d.updated_at)}, version ${d.version}${audience ? `; shared with ${audience}` : ''}`),
    d.origin_instance ? h('p', { class: 'flag', id: 'library-origin' }, `Received from the Rampart instance ${d.origin_instance}; read-only here. Its attachments stay there.`) : null,
    d.summary ? h('p', { class: 'lede' }, d.summary) : null,
    h('pre', { class: 'library-body', id: 'library-body' }, d.body),
    h('h3', null, 'Attachments'),
    d.attachments.length
      ? h('ul', { id: 'library-attachments' }, d.attachments.map((a) => h('li', null, h('a', { href: a.href, download: a.name }, a.name), ` (${a.content_type}, ${a.size} bytes)`)))
      : h('p', { class: 'empty' }, 'None.'),
    d.may_edit ? h('form', { class: 'inline-form', id: 'library-attach', onsubmit: attach }, field('Attach a file (PDF, PNG, JPEG, text, Markdown, CSV; 10 MiB)', file),
      h('button', { type: 'submit', class: 'btn' }, 'Upload')) : null,
    actions, editing, error);
}

/** Edits title, summary, text, tags and label; the rest of the document is sent back as read. */
function buildEditForm(box, d, onSaved) {
  const f = {
    title: h('input', { id: 'library-edit-title', required: true, value: d.title }),
    summary: h('input', { id: 'library-edit-summary', value: d.summary || '' }),
    body: h('textarea', { id: 'library-edit-body', rows: 8 }, d.body),
    tags: h('input', { id: 'library-edit-tags', value: d.tags.join(', ') }),
    tlp: select({ id: 'library-edit-tlp' }, TLP.map((t) => ({ value: t, label: t }))),
  };
  f.tlp.value = d.tlp;
  const error = h('div', { class: 'form-error', role: 'alert', id: 'library-edit-error', hidden: true });
  const submit = async (e) => {
    e.preventDefault();
    error.hidden = true;
    const body = {
      kind: d.kind, title: f.title.value, summary: f.summary.value, body: f.body.value, tags: list(f.tags.value), tlp: f.tlp.value,
      language: d.language || undefined, sectors: d.sectors, community: d.community || undefined,
      recipient_orgs: d.recipient_orgs, recipients: d.recipients, version: d.version,
    };
    try {
      await put(`/library/documents/${encodeURIComponent(d.id)}`, body);
      await onSaved();
    } catch (err) {
      problem(error, err);
    }
  };
  replace(box, h('form', { id: 'library-edit-form', class: 'incident-form', onsubmit: submit },
    h('h3', null, 'Edit the document'),
    field('Title', f.title), field('Summary', f.summary), field('Text', f.body), field('Tags', f.tags),
    field('Label', f.tlp, 'Only your organisation relaxes a label; GREEN needs the community, RED named people'),
    error,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'library-save' }, 'Save'))));
}

async function buildForm(box, onSaved) {
  let communities = [];
  try {
    communities = (await get('/communities')).items;
  } catch {
    communities = [];
  }
  const f = {
    kind: select({ id: 'library-form-kind' }, KINDS),
    title: h('input', { id: 'library-form-title', required: true }),
    summary: h('input', { id: 'library-form-summary' }),
    body: h('textarea', { id: 'library-form-body', rows: 8, placeholder: 'Markdown' }),
    tags: h('input', { id: 'library-form-tags', placeholder: 'e.g. crowds, gates' }),
    tlp: select({ id: 'library-form-tlp' }, TLP.map((t) => ({ value: t, label: t }))),
    community: select({ id: 'library-form-community' }, communities.map((c) => ({ value: c.id, label: c.name })), '—'),
    orgs: h('input', { id: 'library-form-orgs', placeholder: 'organisation ids, for TLP:AMBER' }),
    people: h('input', { id: 'library-form-people', placeholder: 'usernames, for TLP:RED' }),
  };
  const error = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const submit = async (e) => {
    e.preventDefault();
    error.hidden = true;
    const body = {
      kind: f.kind.value, title: f.title.value, summary: f.summary.value, body: f.body.value, tags: list(f.tags.value),
      tlp: f.tlp.value, community: f.community.value || undefined, recipient_orgs: list(f.orgs.value), recipients: list(f.people.value),
    };
    try {
      const r = await post('/library/documents', body);
      await onSaved(r.id);
    } catch (err) {
      problem(error, err);
    }
  };
  replace(box, h('form', { id: 'library-form', class: 'incident-form', onsubmit: submit },
    h('h2', null, 'Publish a document'),
    h('div', { class: 'field-row' }, field('Kind', f.kind), field('Label', f.tlp, 'GREEN: a community; AMBER: organisations; RED: named people')),
    field('Title', f.title), field('Summary', f.summary), field('Text', f.body), field('Tags', f.tags),
    h('div', { class: 'field-row' }, field('Community', f.community), field('Recipient organisations', f.orgs), field('Recipient people', f.people)),
    error,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'library-publish' }, 'Publish'))));
}

async function renderEvents(box) {
  let items = [];
  try {
    items = (await get('/library/events')).items;
  } catch (e) {
    replace(box, h('p', { class: 'form-error' }, e.message));
    return;
  }
  replace(box, h('h2', null, 'Community events'),
    items.length
      ? h('ul', { id: 'library-event-list' }, items.map((ev) => h('li', null, h('strong', null, ev.title), ' ', badge(ev.tlp),
        ` — ${when(ev.starts_at)} to ${when(ev.ends_at)}${ev.place ? `, ${ev.place}` : ''} (${ev.community})${ev.description ? `: ${ev.description}` : ''}`)))
      : h('p', { class: 'empty' }, 'No events announced to your communities.'));
}
