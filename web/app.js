// Bounceback's page: a timeline of accepted messages and refused replies, a message view, the
// attempt charts, the scenario and the clock, all read from the JSON API (docs/web.md).
// Plain JavaScript, no framework, no build step; every text from the server goes in through
// textContent (h() below), never as HTML. The message's own HTML is shown only in a sandboxed
// iframe without scripts.
'use strict';

const PAGE = 50;  // timeline rows per page
const TOKEN_KEY = 'bounceback-token';

// ---- small helpers ---------------------------------------------------------------------------

const $ = id => document.getElementById(id);

// An element: h('td', {class: 'x', onclick: f}, 'text', child, ...). Strings become text nodes.
function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

// An SVG element (no text from the server is ever parsed as markup either).
function s(tag, attrs, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children.flat(Infinity)) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}

function button(text, onclick, attrs) { return h('button', { type: 'button', onclick, ...attrs }, text); }

function showError(e) {
  const p = $('error');
  p.textContent = e ? String(e.message || e) : '';
  p.hidden = !e;
}

// "12:34:56" today, or the date as well; the full time in a tooltip.
function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const time = d.toLocaleTimeString([], { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString() + ' ' + time;
}

function duration(ms) {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return ms + ' ms';
  let s = Math.round(ms / 1000);
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]]) {
    if (s >= size) { parts.push(Math.floor(s / size) + unit); s %= size; }
  }
  if (s || !parts.length) parts.push(s + 's');
  return parts.slice(0, 2).join(' ');
}

function replyClass(reply, outcome) {
  if (outcome === 'accepted' || outcome === 'pending') return 'accepted';
  if (reply && reply[0] === '4') return 'temporary';
  if (reply && reply[0] === '5') return 'permanent';
  return 'other';
}

// ---- the API, with the token -------------------------------------------------------------------

function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }
function authHeaders(extra) {
  const t = token();
  return t ? { ...extra, Authorization: 'Bearer ' + t } : { ...extra };
}

let asking = null;  // the token dialog, while it is open: every 401 waits for the same answer
function askToken() {
  if (!asking) {
    asking = new Promise(resolve => {
      const dialog = $('token-dialog');
      $('token-input').value = '';
      dialog.onclose = () => { asking = null; resolve(); };
      dialog.showModal();
      $('token-input').focus();
    });
  }
  return asking;
}

// fetch() with the token; on 401 asks for the token once and tries again.
async function api(path, options = {}) {
  for (let tries = 0; ; tries++) {
    const r = await fetch(path, { ...options, headers: authHeaders(options.headers) });
    if (r.status !== 401 || tries > 2) return r;
    await askToken();
  }
}

async function apiJson(path, options) {
  const r = await api(path, options);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const e = new Error(path + ': ' + r.status + ' ' + (body.error || r.statusText));
    e.body = body;
    throw e;
  }
  return body;
}

// Links cannot carry the token: the bytes are fetched with it, then saved from a blob.
async function download(path, name) {
  try {
    const r = await api(path);
    if (!r.ok) throw new Error(path + ': ' + r.status);
    const url = URL.createObjectURL(await r.blob());
    const a = h('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (e) { showError(e); }
}

// ---- views -------------------------------------------------------------------------------------

const views = ['timeline', 'message', 'session', 'attempts', 'scenario'];
function show(view) {
  for (const v of views) $(v).hidden = v !== view;
  const tab = view === 'message' || view === 'session' ? 'timeline' : view;
  for (const b of document.querySelectorAll('nav button')) {
    if (b.dataset.view === tab) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
}

// ---- the timeline ------------------------------------------------------------------------------

// A page of the timeline is where it starts in each list: messages and refusals are two lists
// newest first, merged by time; `stack` keeps the starts of the pages before.
const timeline = { filter: 'all', query: '', stack: [{ m: 0, r: 0 }], next: null, stale: false };

function q(params) {
  return Object.entries(params).filter(([, v]) => v !== '' && v !== undefined)
    .map(([k, v]) => k + '=' + encodeURIComponent(v)).join('&');
}

async function loadTimeline() {
  const at = timeline.stack[timeline.stack.length - 1];
  const f = timeline.filter;
  const query = timeline.query;
  const wantMessages = f === 'all' || f === 'accepted';
  const wantRefusals = f !== 'accepted';
  try {
    // The search box's query goes to both lists: messages by sender, recipients, subject and
    // body; refusals by sender, recipients and reply (docs/api.md, Refusals).
    const [m, r, temp, perm] = await Promise.all([
      wantMessages ? apiJson('/api/v1/messages?' + q({ start: at.m, limit: PAGE, query, before: at.mb }))
                   : { total: 0, messages: [] },
      wantRefusals ? apiJson('/api/v1/refusals?' + q({ start: at.r, limit: PAGE, class: f === 'all' ? '' : f, query }))
                   : { total: 0, refusals: [] },
      apiJson('/api/v1/refusals?' + q({ class: 'temporary', limit: 0, query })),
      apiJson('/api/v1/refusals?' + q({ class: 'permanent', limit: 0, query })),
    ]);
    const rows = [];
    let mi = 0, ri = 0;
    while (rows.length < PAGE && (mi < m.messages.length || ri < r.refusals.length)) {
      const msg = m.messages[mi], ref = r.refusals[ri];
      if (msg && (!ref || msg.received_at >= ref.at)) { rows.push({ msg }); mi++; }
      else { rows.push({ ref }); ri++; }
    }
    // A search reads at most --api-scan-budget messages a call: `more` and `next` say where the
    // next call reads on (docs/api.md, Paging), once this page has shown what it found.
    const readOn = m.more && mi === m.messages.length;
    const next = readOn ? { m: 0, mb: m.next, r: at.r + ri } : { m: at.m + mi, mb: at.mb, r: at.r + ri };
    timeline.next = readOn || next.m < m.total || next.r < r.total ? next : null;
    timeline.stale = false;
    $('fresh').hidden = true;
    const accepted = wantMessages ? m.total + (m.more ? '+' : '') : '-';
    $('counts').textContent = `(${query ? 'matching: ' : ''}${accepted} accepted, ${temp.total} temporary, ${perm.total} permanent refusals)`;
    $('search-note').hidden = !query;
    $('search-note').textContent = query ? 'Search: ' + query : '';
    $('newer').disabled = timeline.stack.length === 1;
    $('older').disabled = !timeline.next;
    $('page-label').textContent = 'page ' + timeline.stack.length;
    $('timeline-rows').replaceChildren(...rows.map(row => row.msg ? messageRow(row.msg) : refusalRow(row.ref)));
    if (!rows.length)
      $('timeline-rows').replaceChildren(h('tr', {}, h('td', { colspan: 7, class: 'muted' },
        m.more ? 'No match in the messages searched so far: "Older" searches on.'
          : query ? 'Nothing matches.' : 'Nothing yet: send mail to the SMTP port.')));
    showError(null);
  } catch (e) { showError(e); }
}

function messageRow(m) {
  const kind = m.generated ? h('span', { class: 'badge generated', title: 'written by Bounceback' }, m.generated)
                           : h('span', { class: 'badge accepted' }, 'accepted');
  return h('tr', { class: 'message', 'data-id': m.id },
    h('td', { 'data-label': 'Time', title: m.received_at }, when(m.received_at)),
    h('td', { 'data-label': 'Result' }, kind),
    h('td', { 'data-label': 'From' }, m.from || '<>'),
    h('td', { 'data-label': 'To' }, m.to.join(', ')),
    h('td', { 'data-label': 'Subject' }, button(m.subject || '(no subject)', () => go('message/' + encodeURIComponent(m.id)), { class: 'link' })),
    h('td', { 'data-label': 'Stage' }, 'message'),
    h('td', { 'data-label': 'Client' }, m.client_ip || '', ' ', m.session_id ? sessionButton(m.session_id) : ''));
}

// What a client got without a reply (a refusal's `outcome` other than `reply`).
const SILENCE = { drop: 'no reply: connection closed', reset: 'no reply: connection reset (RST)',
                  hang: 'no reply: the connection hung until the client gave up' };

function refusalRow(r) {
  const silent = r.outcome && r.outcome !== 'reply';
  const badge = silent ? h('span', { class: 'badge other', title: SILENCE[r.outcome] || r.outcome }, r.outcome)
                       : h('span', { class: 'badge ' + r.class, title: r.class }, String(r.code));
  return h('tr', { class: 'refusal ' + r.class + (silent ? ' silent' : ''), 'data-outcome': r.outcome },
    h('td', { 'data-label': 'Time', title: r.at }, when(r.at)),
    h('td', { 'data-label': 'Result' }, badge),
    h('td', { 'data-label': 'From' }, r.stage === 'connect' || r.stage === 'helo' ? '' : r.from || '<>'),
    h('td', { 'data-label': 'To' }, r.rcpt),
    h('td', { 'data-label': 'Reply', class: 'reply' }, silent ? '(' + (SILENCE[r.outcome] || r.outcome) + ')' : r.reply),
    h('td', { 'data-label': 'Stage' }, r.stage),
    h('td', { 'data-label': 'Client' }, r.client_ip, ' ', r.session_id ? sessionButton(r.session_id) : ''));
}

function sessionButton(id) {
  return button('session ' + id, () => go('session/' + encodeURIComponent(id)), { class: 'link', title: 'the session\'s transcript' });
}

// ---- live updates: the event stream read with fetch (EventSource cannot send the token) -------

let refreshTimer = null;
function changed() {
  if (timeline.stack.length === 1 && !$('timeline').hidden) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(loadTimeline, 150);
  } else {
    timeline.stale = true;
    $('fresh').hidden = false;
  }
}

async function listen() {
  for (;;) {
    try {
      const r = await api('/api/v1/events');
      if (r.ok) {
        $('live').textContent = 'live';
        $('live').classList.add('on');
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const name = (block.match(/^event: (.*)$/m) || [])[1];
            if (name === 'message' || name === 'refusal') changed();
          }
        }
      }
    } catch (e) { /* the server went away: try again below */ }
    $('live').textContent = 'offline';
    $('live').classList.remove('on');
    await new Promise(resolve => setTimeout(resolve, 2000));
    changed();
  }
}

// ---- one message --------------------------------------------------------------------------------

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function tabs(panels) {
  const body = h('div', { class: 'tab-body' });
  const bar = h('div', { class: 'tabs', role: 'tablist' });
  const select = (i) => {
    bar.querySelectorAll('button').forEach((b, j) => b.setAttribute('aria-selected', String(i === j)));
    body.replaceChildren(panels[i][1]());
  };
  panels.forEach(([name], i) => bar.append(button(name, () => select(i), { role: 'tab', 'data-tab': name })));
  select(0);
  return [bar, body];
}

async function openMessage(id) {
  const section = $('message');
  try {
    const m = await apiJson('/api/v1/messages/' + encodeURIComponent(id));
    const name = id + '.eml';
    section.replaceChildren(
      h('div', { class: 'toolbar' }, button('\u2190 Timeline', () => go('')),
        button('Download .eml', () => download('/api/v1/messages/' + encodeURIComponent(id) + '/raw', name)),
        button('Delete', async () => {
          await api('/api/v1/messages/' + encodeURIComponent(id), { method: 'DELETE' });
          go('');
        }, { class: 'danger' })),
      h('h2', { id: 'message-title' }, m.subject || '(no subject)', ' ',
        m.generated ? h('span', { class: 'badge generated', title: 'written by Bounceback, not received' }, 'generated: ' + m.generated) : ''),
      facts([['From', m.from || '<>'], ['To', m.to.join(', ')], ['Received', m.received_at], ['Id', m.id],
             ['Size', m.size + ' bytes']]),
      relatedPanel(m),
      ...tabs([
        ['Text', () => h('pre', { class: 'text' }, m.text || '(no text part)')],
        ['HTML', () => m.html ? htmlPanel(id, m.html) : h('p', { class: 'muted' }, '(no HTML part)')],
        ['Headers', () => h('table', {}, h('tbody', {}, m.headers.map(x =>
          h('tr', {}, h('th', { scope: 'row' }, x.name), h('td', {}, x.value)))))],
        ['Raw', () => rawPanel(id)],
        ['Attachments (' + m.attachments.length + ')', () => attachmentsPanel(m)],
        ['Envelope', () => envelopePanel(m)],
        ['Transcript', () => transcriptPanel(m.session_id)],
        ['Attempts', () => attemptsPanel(m.to)],
      ]));
    show('message');
    section.querySelector('h2').setAttribute('tabindex', '-1');
    section.querySelector('h2').focus();
    showError(null);
  } catch (e) { showError(e); }
}

// A generated message (DSN, auto-reply, complaint) links to the message it is about (`about`);
// any message links to those generated about it (GET /api/v1/messages?about=ID).
function relatedPanel(m) {
  const list = h('dl', { class: 'facts related', id: 'related' });
  const link = (x) => [x.generated ? h('span', { class: 'badge generated' }, x.generated) : '', ' ',
    button(x.subject || '(no subject)', () => go('message/' + encodeURIComponent(x.id)), { class: 'link', 'data-id': x.id }),
    h('span', { class: 'muted' }, ' ' + x.id + ', ' + when(x.received_at))];
  if (m.about) {
    const dd = h('dd', { 'data-role': 'about' }, m.about);
    list.append(h('dt', {}, 'About'), dd);
    apiJson('/api/v1/messages/' + encodeURIComponent(m.about))
      .then(original => dd.replaceChildren(...link(original)),
            () => dd.replaceChildren(m.about + ' ', h('span', { class: 'muted' }, '(no longer stored)')));
  }
  apiJson('/api/v1/messages?' + q({ about: m.id, limit: 20 })).then(found => {
    if (!found.total) return;
    list.append(h('dt', {}, 'Generated about it'),
      h('dd', { 'data-role': 'replies' }, h('ul', {}, found.messages.map(x => h('li', {}, ...link(x)))),
        found.total > found.messages.length ? h('span', { class: 'muted' }, `(the newest ${found.messages.length} of ${found.total})`) : ''));
  }, () => {});
  return list;
}

// The message's HTML in a sandboxed frame (sandbox="": no scripts, no forms, no top
// navigation, an opaque origin). At first from srcdoc, under the page's own policy: nothing
// loads from another origin. "Load remote content" asks the API for a single-use capability
// and frames the HTML as its own document, whose policy lets images load from anywhere and
// still runs nothing (docs/web.md).
function htmlPanel(id, html) {
  const frame = (attrs) => h('iframe', { class: 'mail', sandbox: '', referrerpolicy: 'no-referrer',
                                         title: 'the message\'s HTML', ...attrs });
  const status = h('span', { class: 'muted', role: 'status' }, 'Remote content is not loaded.');
  const box = h('div', {}, frame({ srcdoc: html }));
  const load = button('Load remote content', async () => {
    load.disabled = true;
    try {
      const grant = await apiJson('/api/v1/messages/' + encodeURIComponent(id) + '/html?remote=true', { method: 'POST' });
      box.replaceChildren(frame({ src: grant.url, 'data-remote': 'true' }));
      status.textContent = 'Remote images loaded (scripts still never run).';
    } catch (e) { load.disabled = false; showError(e); }
  }, { id: 'load-remote' });
  return h('div', {}, h('div', { class: 'toolbar' }, load, status), box);
}

function rawPanel(id) {
  const pre = h('pre', { class: 'raw' }, 'loading...');
  api('/api/v1/messages/' + encodeURIComponent(id) + '/raw')
    .then(r => r.ok ? r.text() : Promise.reject(new Error('raw: ' + r.status)))
    .then(t => { pre.textContent = t; }, e => { pre.textContent = String(e.message); });
  return pre;
}

function attachmentsPanel(m) {
  if (!m.attachments.length) return h('p', { class: 'muted' }, 'No attachments.');
  return h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Part'), h('th', {}, 'Name'), h('th', {}, 'Type'),
    h('th', {}, 'Size'), h('th', {}, ''))),
    h('tbody', {}, m.attachments.map(a => h('tr', {},
      h('td', {}, a.id), h('td', {}, a.name || '(unnamed)'), h('td', {}, a.type), h('td', {}, a.size + ' bytes'),
      h('td', {}, button('Download', () => download(a.url, a.name || 'part-' + a.id)))))));
}

function envelopePanel(m) {
  const p = m.params || {};
  const yes = v => v ? 'yes' : 'no';
  return h('div', {},
    h('h3', {}, 'Envelope'),
    facts([['MAIL FROM', m.from || '<>'], ['SIZE', p.size], ['BODY', p.body], ['SMTPUTF8', yes(p.smtputf8)],
           ['RET', p.ret], ['ENVID', p.envid], ['AUTH=', p.auth]]),
    h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'RCPT TO'), h('th', {}, 'NOTIFY'), h('th', {}, 'ORCPT'))),
      h('tbody', {}, (m.recipients || []).map(r => h('tr', {}, h('td', {}, r.address), h('td', {}, r.notify || ''),
        h('td', {}, r.orcpt || ''))))),
    h('h3', {}, 'Connection'),
    facts([['Client', m.client_ip], ['HELO', m.helo], ['Session', m.session_id || '(generated)'],
           ['TLS', m.tls ? (m.tls_version || 'yes') + ' ' + (m.tls_cipher || '') : 'no'],
           ['AUTH user', m.auth_user || 'none'], ['CHUNKING (BDAT)', yes(m.chunked)]]),
    m.links && m.links.length ? [h('h3', {}, 'Links'), h('ul', {}, m.links.map(l => h('li', {}, l)))] : '');
}

// A transcript, the refused replies (4xx/5xx from the server) highlighted.
function transcriptPre(session) {
  const lines = [];
  session.transcript.forEach((l, i) => {
    if (session.elided && i === session.elided.after)
      lines.push(`... ${session.elided.lines} lines / ${session.elided.bytes} bytes elided ...\n`);
    const refused = l.dir === 'out' && /^[45]\d\d/.test(l.line);
    lines.push(h('span', { class: l.dir + (refused ? ' refused' : ''), title: l.at },
      (l.dir === 'in' ? 'C: ' : 'S: ') + l.line), '\n');
  });
  return h('pre', { class: 'transcript' }, lines);
}

function transcriptPanel(sessionId) {
  if (!sessionId) return h('p', { class: 'muted' }, 'Generated by Bounceback: no SMTP session.');
  const box = h('div', {}, 'loading...');
  apiJson('/api/v1/sessions/' + encodeURIComponent(sessionId))
    .then(session => box.replaceChildren(
      facts([['Client', session.client_ip + ':' + session.client_port], ['Started', session.started_at],
             ['Ended', session.ended_at || 'still open'], ['TLS', session.tls ? session.tls_version : 'no'],
             ['AUTH user', session.auth_user || 'none']]),
      transcriptPre(session)),
    e => box.replaceChildren(h('p', { class: 'muted' }, e.message.includes('404') ? 'The session left the session log.' : e.message)));
  return box;
}

async function openSession(id) {
  const section = $('session');
  section.replaceChildren(
    h('div', { class: 'toolbar' }, button('\u2190 Timeline', () => go(''))),
    h('h2', { id: 'session-title', tabindex: '-1' }, 'Session ' + id),
    transcriptPanel(id));
  show('session');
  section.querySelector('h2').focus();
}

// ---- attempt charts -----------------------------------------------------------------------------

// One row per recipient (or per client, for refusals before RCPT) on a shared time axis: a
// dot per attempt coloured by its reply's class, the gap to the previous one written between.
function attemptChart(attempts) {
  const groups = new Map();
  for (const a of attempts) {
    const key = a.rcpt || '(before RCPT) ' + a.client_ip;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  const times = attempts.map(a => Date.parse(a.at));
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const left = 200, width = 900, rowH = 34, top = 24;
  const x = t => left + 10 + (t1 === t0 ? 0 : (t - t0) / (t1 - t0) * (width - left - 30));
  const height = top + groups.size * rowH + 10;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `attempts of ${groups.size} recipients from ${new Date(t0).toISOString()} to ${new Date(t1).toISOString()}` });
  svg.append(s('text', { x: left + 10, y: 12 }, when(new Date(t0).toISOString())),
             s('text', { x: width - 20, y: 12, 'text-anchor': 'end' }, when(new Date(t1).toISOString()) +
               (t1 > t0 ? '  (' + duration(t1 - t0) + ')' : '')));
  let row = 0;
  for (const [key, list] of groups) {
    const y = top + row * rowH + rowH / 2;
    svg.append(s('text', { x: 4, y: y + 4 }, key.length > 30 ? key.slice(0, 29) + '\u2026' : key),
               s('line', { class: 'axis', x1: left + 10, x2: width - 20, y1: y, y2: y }));
    list.forEach((a, i) => {
      const cx = x(Date.parse(a.at));
      if (i > 0) {
        const px = x(Date.parse(list[i - 1].at));
        const gap = a.gap_ms !== null && a.gap_ms !== undefined ? a.gap_ms : Date.parse(a.at) - Date.parse(list[i - 1].at);
        if (cx - px > 30) svg.append(s('text', { class: 'gap', x: (cx + px) / 2, y: y - 7, 'text-anchor': 'middle' }, duration(gap)));
      }
      const cls = replyClass(a.reply, a.outcome);
      svg.append(s('circle', { class: 'dot ' + cls, cx, cy: y, r: 6 },
        s('title', {}, `${a.at}  ${a.reply || '(no reply: ' + a.outcome + ')'}  [${a.outcome}, ${a.stage}]`)));
    });
    row++;
  }
  return h('div', { class: 'chart' }, svg);
}

function attemptTable(attempts) {
  return h('table', { class: 'list' }, h('thead', {}, h('tr', {}, ['Time', 'From', 'Recipient', 'Stage', 'Reply', 'Outcome', 'Gap']
    .map(t => h('th', {}, t)))),
    h('tbody', {}, attempts.map(a => h('tr', {},
      h('td', { 'data-label': 'Time', title: a.at }, when(a.at)), h('td', { 'data-label': 'From' }, a.from),
      h('td', { 'data-label': 'Recipient' }, a.rcpt), h('td', { 'data-label': 'Stage' }, a.stage),
      h('td', { 'data-label': 'Reply' }, h('span', { class: 'badge ' + replyClass(a.reply, a.outcome) }, (a.reply || '').slice(0, 3) || '-'), ' ', a.reply || ''),
      h('td', { 'data-label': 'Outcome' }, a.outcome), h('td', { 'data-label': 'Gap' }, duration(a.gap_ms))))));
}

const legend = () => h('p', { class: 'legend' }, h('span', { class: 'accepted' }, 'accepted'),
  h('span', { class: 'temporary' }, 'temporary (4xx)'), h('span', { class: 'permanent' }, 'permanent (5xx)'),
  h('span', { class: 'other' }, 'no reply, dropped, abandoned'));

// The newest 1,000 attempts (the log is oldest first): a long run shows its latest retries.
async function attemptsOf(rcpt) {
  const count = await apiJson('/api/v1/attempts?' + q({ to: rcpt, limit: 0 }));
  return apiJson('/api/v1/attempts?' + q({ to: rcpt, start: Math.max(0, count.total - 1000), limit: 1000 }));
}

function attemptsPanel(recipients) {
  const box = h('div', {}, 'loading...');
  Promise.all(recipients.map(attemptsOf)).then(results => {
    const all = results.flatMap(r => r.attempts);
    box.replaceChildren(...(all.length ? [legend(), attemptChart(all), attemptTable(all)]
                                       : [h('p', { class: 'muted' }, 'No attempts logged for these recipients.')]));
  }, e => box.replaceChildren(e.message));
  return box;
}

async function loadAttempts() {
  const rcpt = $('attempts-rcpt').value.trim();
  const body = $('attempts-body');
  try {
    const found = await attemptsOf(rcpt);
    const a = found.attempts;
    body.replaceChildren(
      h('p', { class: 'muted' }, `${found.total} attempts` + (found.total > a.length ? `, the last ${a.length} shown` : '') +
        (rcpt ? ' for ' + rcpt : ' in this run') + '; times on the scenario clock.'),
      ...(a.length ? [legend(), attemptChart(a), attemptTable(a)] : []));
    showError(null);
  } catch (e) { showError(e); }
}

// ---- scenario and clock --------------------------------------------------------------------------

async function loadScenario() {
  try {
    const r = await api('/api/v1/scenario');
    $('scenario-text').value = await r.text();
    $('scenario-name').textContent = r.headers.get('X-Bounceback-Scenario') ? '(' + r.headers.get('X-Bounceback-Scenario') + ')' : '';
    $('scenario-errors').replaceChildren();
    $('scenario-status').textContent = '';
  } catch (e) { showError(e); }
  loadClock();
}

// Puts the caret at a line and column (1-based) of the scenario text.
function goTo(line, column) {
  const area = $('scenario-text');
  const lines = area.value.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  offset += Math.max(0, column - 1);
  area.focus();
  area.setSelectionRange(offset, offset + 1);
}

async function applyScenario(event) {
  event.preventDefault();
  const status = $('scenario-status');
  status.textContent = 'applying...';
  const r = await api('/api/v1/scenario', { method: 'PUT', body: $('scenario-text').value,
                                             headers: { 'Content-Type': 'application/toml' } });
  const body = await r.json().catch(() => ({}));
  if (r.ok) {
    status.textContent = `in force: ${body.name} (${body.rules} rules)`;
    $('scenario-name').textContent = '(' + body.name + ')';
    $('scenario-errors').replaceChildren();
    return;
  }
  status.textContent = 'refused; the scenario in force is unchanged';
  const errors = body.errors || [{ line: body.line, column: body.column, message: body.error }];
  $('scenario-errors').replaceChildren(...errors.map(e => h('li', {},
    e.line ? button(`line ${e.line}, column ${e.column}`, () => goTo(e.line, e.column), { class: 'link' }) : '',
    ': ', e.message)));
}

async function loadClock() {
  try {
    const c = await apiJson('/api/v1/clock');
    $('clock-now').textContent = c.now;
    $('clock-offset').textContent = c.offset_ms ? '(' + duration(c.offset_ms) + ' ahead of real time)' : '(real time)';
  } catch (e) { showError(e); }
}

async function advanceClock(event) {
  event.preventDefault();
  try {
    await apiJson('/api/v1/clock/advance?by=' + encodeURIComponent($('clock-by').value.trim()), { method: 'POST' });
    $('clock-status').textContent = 'advanced';
    loadClock();
  } catch (e) { $('clock-status').textContent = e.body && e.body.error ? e.body.error : e.message; }
}

// ---- where the page is: its address's #fragment (#message/ID, #session/ID, #attempts,
// #scenario; empty for the timeline), so views can be linked to and Back works ----

function go(hash) {
  if (location.hash.slice(1) === hash) route();
  else location.hash = hash;
}

function route() {
  const [view, arg] = location.hash.slice(1).split('/');
  const id = arg ? decodeURIComponent(arg) : '';
  if (view === 'message' && id) return openMessage(id);
  if (view === 'session' && id) return openSession(id);
  if (view === 'attempts') { show('attempts'); return loadAttempts(); }
  if (view === 'scenario') { show('scenario'); return loadScenario(); }
  show('timeline');
  loadTimeline();
}

// ---- wiring --------------------------------------------------------------------------------------

function start() {
  for (const b of document.querySelectorAll('nav button'))
    b.addEventListener('click', () => go(b.dataset.view === 'timeline' ? '' : b.dataset.view));
  window.addEventListener('hashchange', route);
  for (const radio of document.querySelectorAll('input[name="filter"]')) {
    radio.addEventListener('change', () => {
      timeline.filter = radio.value;
      timeline.stack = [{ m: 0, r: 0 }];
      loadTimeline();
    });
  }
  $('search').addEventListener('submit', event => {
    event.preventDefault();
    timeline.query = $('query').value.trim();
    timeline.stack = [{ m: 0, r: 0 }];
    go('');
  });
  $('older').addEventListener('click', () => { if (timeline.next) { timeline.stack.push(timeline.next); loadTimeline(); } });
  $('newer').addEventListener('click', () => { if (timeline.stack.length > 1) { timeline.stack.pop(); loadTimeline(); } });
  $('fresh').addEventListener('click', () => { timeline.stack = [{ m: 0, r: 0 }]; loadTimeline(); });
  $('delete-all').addEventListener('click', async () => {
    if (!confirm('Delete every message and forget every refusal?')) return;
    await api('/api/v1/messages', { method: 'DELETE' });
    await api('/api/v1/refusals', { method: 'DELETE' });
    timeline.stack = [{ m: 0, r: 0 }];
    loadTimeline();
  });
  $('attempts-form').addEventListener('submit', event => { event.preventDefault(); loadAttempts(); });
  $('scenario-form').addEventListener('submit', applyScenario);
  $('scenario-reload').addEventListener('click', loadScenario);
  $('scenario-file').addEventListener('change', async () => {
    const file = $('scenario-file').files[0];
    if (file) $('scenario-text').value = await file.text();
  });
  $('scenario-reset').addEventListener('click', async () => {
    await apiJson('/api/v1/scenario/reset', { method: 'POST' }).catch(showError);
    $('scenario-status').textContent = 'greylist, counters, quotas and the attempt log cleared';
  });
  $('clock-form').addEventListener('submit', advanceClock);
  $('token-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token-input').value);
    $('token-dialog').close();
  });
  $('token-forget').addEventListener('click', () => { sessionStorage.removeItem(TOKEN_KEY); $('token-dialog').close(); });
  $('token-button').addEventListener('click', askToken);
  route();
  listen();
}

start();
