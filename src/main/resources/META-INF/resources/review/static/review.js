// The review page: one task at a time, keyboard first. A decision waits in the outbox for the undo
// window, then goes to the server; it shows "saved" only when the server answers after the Kafka
// commit. Unsent and failed decisions live in localStorage, so a reload or an outage loses none.
(function () {
  'use strict';
  const body = document.body;
  const undoMs = Number(body.dataset.undoMs || 5000);
  const user = body.dataset.user;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const storeKey = 'difflabel-review-outbox:' + user;
  const $ = (id) => document.getElementById(id);

  let task = null;         // the task on screen
  let shownAt = 0;         // when it was shown (time spent)
  let selected = 0;        // index of the chosen candidate
  let outbox = load();     // [{decision, task, due, state, error}]
  let recent = [];         // decisions already saved, newest first
  let sending = false;
  let loading = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || '[]'); } catch (e) { return []; }
  }
  function persist() { localStorage.setItem(storeKey, JSON.stringify(outbox)); }

  function filterQuery() {
    const p = new URLSearchParams(window.location.search);
    const q = new URLSearchParams();
    ['model', 'label', 'age'].forEach((k) => { if (p.get(k)) q.set(k, p.get(k)); });
    return q;
  }

  function status(text, kind) {
    const s = $('status');
    s.textContent = text || '';
    s.className = 'status' + (kind ? ' ' + kind : '');
  }

  async function nextTask() {
    if (loading) return;
    loading = true;
    try {
      const q = filterQuery();
      const pendingIds = outbox.map((o) => o.decision.eventId);
      if (pendingIds.length) q.set('exclude', pendingIds.join(','));
      const r = await fetch('/review/api/next?' + q.toString(), { headers: { Accept: 'application/json' } });
      if (!r.ok) { status(await errorText(r), 'error'); return; }
      const n = await r.json();
      $('depth').textContent = n.depth;
      $('mine').textContent = n.mine;
      show(n.task);
    } catch (e) {
      status('The review service is unreachable; retrying.', 'error');
      setTimeout(nextTask, 3000);
    } finally {
      loading = false;
    }
  }

  function show(t) {
    task = t;
    $('typed-row').hidden = true;
    if (!t) { $('task').hidden = true; $('empty').hidden = false; return; }
    $('empty').hidden = true;
    $('task').hidden = false;
    shownAt = Date.now();
    $('image').src = t.imageUrl;
    $('event-id').textContent = t.eventId;
    $('model').textContent = t.modelId + ' ' + t.modelVersion;
    $('reason').textContent = t.decisionReason;
    const list = $('candidates');
    list.replaceChildren();
    t.candidates.forEach((c, i) => {
      const li = document.createElement('li');
      li.dataset.index = i;
      const key = document.createElement('kbd');
      key.textContent = i < 9 ? String(i + 1) : '';
      const name = document.createElement('span');
      name.className = 'label';
      name.textContent = c.label;
      const bar = document.createElement('span');
      bar.className = 'bar';
      bar.style.setProperty('--p', c.probability);
      const p = document.createElement('span');
      p.className = 'p';
      p.textContent = (100 * c.probability).toFixed(1) + '%';
      li.append(key, name, bar, p);
      li.addEventListener('click', () => choose(i));
      list.append(li);
    });
    choose(Math.max(0, t.candidates.findIndex((c) => c.label === t.topLabel)));
  }

  function choose(i) {
    if (!task || i >= task.candidates.length) return;
    selected = i;
    document.querySelectorAll('#candidates li').forEach((li) =>
      li.classList.toggle('selected', Number(li.dataset.index) === i));
  }

  function decide(d) {
    if (!task) return;
    d.eventId = task.eventId;
    d.timeSpentMs = Date.now() - shownAt;
    outbox.push({ decision: d, task: task, due: Date.now() + undoMs, state: 'waiting' });
    persist();
    renderRecent();
    task = null;
    nextTask();
  }

  function undo() {
    const i = outbox.map((o) => o.state).lastIndexOf('waiting');
    if (i < 0) { status('Nothing to undo: your last decision is already being saved.', 'info'); return; }
    const [o] = outbox.splice(i, 1);
    persist();
    renderRecent();
    status('Undone: ' + o.decision.eventId + ' is back on screen.', 'info');
    show(o.task);
  }

  async function skip() {
    if (!task) return;
    const id = task.eventId;
    task = null;
    await post('/review/api/tasks/' + encodeURIComponent(id) + '/skip', null);
    nextTask();
  }

  function post(url, json) {
    return fetch(url, {
      method: 'POST',
      headers: Object.assign({ 'X-CSRF-TOKEN': csrf, Accept: 'application/json' },
        json ? { 'Content-Type': 'application/json' } : {}),
      body: json ? JSON.stringify(json) : null,
    });
  }

  async function errorText(r) {
    try { const j = await r.json(); return j.error || r.statusText; } catch (e) { return r.status + ' ' + r.statusText; }
  }

  // Sends what is due: one request for all of it, one Kafka transaction on the server.
  async function flush() {
    if (sending) return;
    const now = Date.now();
    const due = outbox.filter((o) => (o.state === 'waiting' ? o.due : o.retryAt || 0) <= now);
    if (!due.length) return;
    sending = true;
    due.forEach((o) => { o.state = 'saving'; });
    renderRecent();
    try {
      const r = await post('/review/api/decisions', { decisions: due.map((o) => o.decision) });
      if (r.ok) {
        const saved = await r.json();
        const done = new Set(saved.saved.concat(saved.alreadyReviewed));
        outbox = outbox.filter((o) => {
          if (!done.has(o.decision.eventId) || o.state !== 'saving') return true;
          recent.unshift({ decision: o.decision, state: 'saved' });
          return false;
        });
        recent = recent.slice(0, 10);
        status('', null);
        if (saved.saved.length) $('mine').textContent = Number($('mine').textContent) + saved.saved.length;
      } else if (r.status === 503 || r.status >= 500) {
        const msg = await errorText(r);
        due.forEach((o) => { o.state = 'unsaved'; o.error = msg; o.retryAt = Date.now() + 3000; });
        status('Not saved: ' + msg, 'error');
      } else {
        // refused (task held by someone else, no longer in the queue): drop it and say why
        const msg = await errorText(r);
        outbox = outbox.filter((o) => !due.includes(o));
        due.forEach((o) => recent.unshift({ decision: o.decision, state: 'refused: ' + msg }));
        status('Refused: ' + msg, 'error');
      }
    } catch (e) {
      due.forEach((o) => { o.state = 'unsaved'; o.error = 'unreachable'; o.retryAt = Date.now() + 3000; });
      status('Not saved: the review service is unreachable — your decisions are kept and will be retried', 'error');
    } finally {
      persist();
      sending = false;
      renderRecent();
    }
  }

  function describe(d) {
    if (d.rejection) return d.rejection === 'NONE_OF_THESE' ? 'none of these' : 'unusable image';
    return d.label;
  }

  function renderRecent() {
    const ol = $('recent');
    ol.replaceChildren();
    const rows = outbox.slice().reverse().map((o) => ({ decision: o.decision, state: o.state === 'waiting'
      ? 'not sent yet (u undoes)' : o.state === 'saving' ? 'saving…' : 'not saved — retrying' }))
      .concat(recent);
    rows.forEach((r) => {
      const li = document.createElement('li');
      li.dataset.eventId = r.decision.eventId;
      li.dataset.state = r.state;
      li.textContent = r.decision.eventId + ' → ' + describe(r.decision) + ' · ' + r.state;
      ol.append(li);
    });
  }

  function typeLabel() {
    if (!task) return;
    $('typed-row').hidden = false;
    $('typed').value = '';
    $('typed').focus();
  }

  $('typed').addEventListener('keydown', (e) => {
    e.stopPropagation();
    if (e.key === 'Enter' && $('typed').value.trim()) { decide({ label: $('typed').value.trim() }); }
    if (e.key === 'Escape') { $('typed-row').hidden = true; }
  });

  const confirmChosen = () => task && decide({ label: task.candidates[selected].label });
  $('confirm').addEventListener('click', confirmChosen);
  $('none').addEventListener('click', () => decide({ rejection: 'NONE_OF_THESE' }));
  $('unusable').addEventListener('click', () => decide({ rejection: 'UNUSABLE_IMAGE' }));
  $('type').addEventListener('click', typeLabel);
  $('skip').addEventListener('click', skip);
  $('undo').addEventListener('click', undo);
  $('help').addEventListener('click', () => $('keys').showModal());
  $('keys-close').addEventListener('click', () => $('keys').close());

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.tagName === 'SELECT' || e.target.tagName === 'INPUT') return;
    if (e.key >= '1' && e.key <= '9') { choose(Number(e.key) - 1); }
    else if (e.key === 'Enter') { e.preventDefault(); confirmChosen(); }
    else if (e.key === 'n') { decide({ rejection: 'NONE_OF_THESE' }); }
    else if (e.key === 'x') { decide({ rejection: 'UNUSABLE_IMAGE' }); }
    else if (e.key === 't') { e.preventDefault(); typeLabel(); }
    else if (e.key === 's') { skip(); }
    else if (e.key === 'u') { undo(); }
    else if (e.key === '?') { const k = $('keys'); if (k.open) k.close(); else k.showModal(); }
    else return;
  });

  // decisions left from before a reload are past their undo window: send them now
  outbox.forEach((o) => { if (o.state !== 'waiting') o.state = 'unsaved'; });
  renderRecent();
  setInterval(flush, 250);
  setInterval(() => { if (!task && !loading) nextTask(); }, 5000);
  nextTask();
})();
