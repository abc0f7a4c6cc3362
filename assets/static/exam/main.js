/* The candidate's exam screen: instructions and waiting, the paper, saving, the countdown,
   submission. Native ES modules, no build step; this one wires the page and starts it.

     queue.js      the offline save queue: seqs, what an answer removes or keeps (pure)
     countdown.js  the server-owned time and its warnings (pure)
     paper.js      the paper's views, what counts as answered (pure)
     state.js      the page's settings and the one state object
     screen.js     views, overlay, confirmation dialog, save state
     sheet.js      the answer card and the item card, moving between items, flags
     saving.js     a change → the queue → the server; offline, refusals
     status.js     the sitting's status and time from the server, start, loading the paper
     submit.js     the submit dialog and the end page
     kaowu.js      common.js's helpers as imports

   Three rules the page keeps:
   1. The server owns the time (countdown.js).
   2. Every change gets a sequence number above every number used before and goes into a queue
      kept in localStorage (per ticket) before it is sent, so a dropped network or a reload loses
      nothing; the queue is sent in order (queue.js, saving.js).
   3. "已保存" is shown only for what the server acknowledged ("saved" or "stale": both durable).

   The modules other than the pure ones call each other (the page's parts refresh each other);
   none of them does anything when loaded: everything starts here. */
import { $, S, queue, retry, countdown } from './state.js';
import { go, toggleFlag } from './sheet.js';
import { flush, commitAllText } from './saving.js';
import { syncStatus, schedulePoll, start, tick, listen } from './status.js';
import { show } from './screen.js';
import { openSubmit, confirmSubmit } from './submit.js';

$('prev-btn').addEventListener('click', () => go(S.current - 1));
$('next-btn').addEventListener('click', () => go(S.current + 1));
$('flag-btn').addEventListener('click', toggleFlag);
$('submit-btn').addEventListener('click', openSubmit);
$('submit-cancel').addEventListener('click', () => $('submit-dialog').close());
$('submit-confirm').addEventListener('click', confirmSubmit);
$('start-btn').addEventListener('click', start);
$('warning-close').addEventListener('click', () => { $('warning-banner').hidden = true; });
// Alt+← / Alt+→: the previous / next item (shown beside the buttons), as long as the paper is on
// screen and no dialog is open.
document.addEventListener('keydown', (e) => {
  if (!e.altKey || e.ctrlKey || e.metaKey || $('view-exam').hidden || document.querySelector('dialog[open]')) return;
  if (e.key === 'ArrowLeft') { e.preventDefault(); go(S.current - 1); }
  if (e.key === 'ArrowRight') { e.preventDefault(); go(S.current + 1); }
});
window.addEventListener('online', () => { retry.reset(); flush(); syncStatus(); });
// Typed text not yet queued is queued (in localStorage) before the page goes away.
window.addEventListener('pagehide', commitAllText);
document.addEventListener('visibilitychange', () => { if (document.hidden) commitAllText(); });

setInterval(tick, 250);

(async function boot() {
  show('view-loading');
  for (;;) {
    const st = await syncStatus();
    if (st || S.blocked === 'session') break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (!S.done && S.blocked !== 'session') listen();
  schedulePoll();
})();

// For tests and support staff: the page's view of the saves, read-only.
window.KaowuExam = {
  queue: () => queue.snapshot(),
  state: () => ({ state: S.state, net: S.net, blocked: S.blocked, remaining: countdown.remaining() }),
};
