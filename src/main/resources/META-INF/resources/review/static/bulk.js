// The bulk view: select tiles whose label is right, confirm them in one request (one Kafka transaction).
(function () {
  'use strict';
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const picks = () => Array.from(document.querySelectorAll('#grid .pick'));
  const count = () => { document.getElementById('selected-count').textContent = picks().filter((p) => p.checked).length; };
  const status = (text, kind) => { const s = document.getElementById('status'); s.textContent = text; s.className = 'status ' + kind; };
  picks().forEach((p) => p.addEventListener('change', count));
  document.getElementById('select-all').addEventListener('click', () => { picks().forEach((p) => { p.checked = true; }); count(); });
  document.getElementById('select-none').addEventListener('click', () => { picks().forEach((p) => { p.checked = false; }); count(); });
  const button = document.getElementById('bulk-confirm');
  button.addEventListener('click', async () => {
    const tiles = picks().filter((p) => p.checked).map((p) => p.closest('.tile'));
    if (!tiles.length) { status('Select at least one task.', 'info'); return; }
    button.disabled = true;
    status('Saving ' + tiles.length + ' decisions…', 'info');
    try {
      const r = await fetch('/review/api/decisions', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-TOKEN': csrf },
        body: JSON.stringify({ decisions: tiles.map((t) => ({ eventId: t.dataset.eventId, label: t.dataset.label })) }),
      });
      const j = await r.json().catch(() => ({}));
      if (!r.ok) { status('Not saved: ' + (j.error || r.status) + '. Nothing was lost: try again.', 'error'); return; }
      tiles.forEach((t) => t.remove());
      count();
      status('Saved ' + j.saved.length + ' decisions' + (j.alreadyReviewed.length
        ? ' (' + j.alreadyReviewed.length + ' had been reviewed already)' : '') + '.', 'ok');
    } catch (e) {
      status('Not saved: the review service is unreachable. Nothing was lost: try again.', 'error');
    } finally {
      button.disabled = false;
    }
  });
  count();
})();
