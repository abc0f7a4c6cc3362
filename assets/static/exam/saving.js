/* Saving: a change is kept in the queue (queue.js, in localStorage) before it is sent, so a
   dropped network or a reload loses nothing; the queue is sent oldest first, one request at a
   time; what the server refuses is kept, blocks this workstation or is dropped, as the
   sitting's state and the refusal's code say. Typed text is queued after a pause in typing,
   when the candidate leaves the box, and before the page goes away. */
import { api, errorText, toast } from './kaowu.js';
import { $, S, queue, retry, countdown, TEXT_SAVE_DELAY_MS, pending } from './state.js';
import { refusalAction } from './queue.js';
import { renderSaveState } from './screen.js';
import { refreshSlot, refreshAllSlots, renderCurrent, renderNav } from './sheet.js';
import { syncStatus, syncTimer, sessionLost, movedAway } from './status.js';

/** Records a change: kept locally first, then sent. */
export function enqueue(slot, value) {
  S.answers[slot] = value;
  S.committed[slot] = value;
  queue.add(slot, value);
  refreshSlot(slot);
  renderSaveState();
  flush();
}

/** Text was typed into `slot` (already in S.answers): queued once typing pauses. */
export function typed(slot) {
  clearTimeout(S.textTimers[slot]);
  S.textTimers[slot] = setTimeout(() => commitText(slot), TEXT_SAVE_DELAY_MS);
  refreshSlot(slot);
  renderSaveState();
}

/** Queues the text of `slot` now if it changed since it was last queued. */
export function commitText(slot) {
  clearTimeout(S.textTimers[slot]);
  delete S.textTimers[slot];
  const v = S.answers[slot] || '';
  if (v !== (S.committed[slot] || '')) enqueue(slot, v);
  else {
    refreshSlot(slot);
    renderSaveState();
  }
}

export function commitAllText() {
  for (const slot of Object.keys(S.textTimers)) commitText(slot);
}

function scheduleRetry() {
  clearTimeout(S.retryTimer);
  S.retryTimer = setTimeout(flush, retry.next());
}

const NET_TEXT = {
  offline: '网络连接中断。您的答案已暂存在本机，网络恢复后将自动按顺序提交，请继续作答，不要关闭或刷新页面。',
  server: '服务器暂时无法保存答案（数据库繁忙或磁盘空间不足）。您的答案已暂存在本机，将自动重试，请继续作答，不要关闭或刷新页面。',
};

/** The server cannot be reached ('offline') or did not take the saves ('server'). */
export function goOffline(why) {
  S.net = 'offline';
  S.netWhy = why || 'offline';
  $('net-text').textContent = NET_TEXT[why || 'offline'];
  $('net-banner').hidden = false;
  renderSaveState();
  scheduleRetry();
}

export function backOnline() {
  if (S.net !== 'ok') {
    S.net = 'ok';
    $('net-banner').hidden = true;
    retry.reset();
    renderSaveState();
  }
}

/** Sends the queue, oldest first, one request at a time. */
export async function flush() {
  if (queue.inflight || queue.length === 0 || S.blocked) {
    renderSaveState();
    return;
  }
  clearTimeout(S.retryTimer);
  const batch = queue.take();
  renderSaveState();
  const t0 = performance.now();
  let res;
  try {
    res = await api('POST', '/api/candidate/saves', { saves: batch });
  } catch (e) {
    queue.landed();
    goOffline();
    refreshAllSlots();
    return;
  }
  const at = (t0 + performance.now()) / 2;
  queue.landed();
  if (res.status === 200 || (res.status === 409 && res.body && Array.isArray(res.body.results))) {
    backOnline();
    const { stored, refused, saved } = queue.acknowledge(batch, res.body.results);
    for (const e of saved) S.confirmed[e.slot] = e.value;
    if (stored) S.everSaved = true;
    if (typeof res.body.remaining_ms === 'number') syncTimer(res.body.remaining_ms, at, countdown.running);
    if (refused.length) await refusedSaves(refused, res.body.code || refused[0].code, res.body.error || refused[0].message);
    queue.settle();
    refreshAllSlots();
    renderSaveState();
    if (queue.length && !S.blocked) flush();
    return;
  }
  if (res.status === 401) {
    sessionLost();
    return;
  }
  if (res.status === 422 || res.status === 400) {
    // A batch of several is sent again one save at a time; one save that can never be stored
    // is dropped, the candidate is told, and the server's value is taken.
    const bad = queue.malformed(batch);
    if (bad) {
      toast(errorText(res, '有一条答案格式有误，未能保存'));
      await reloadAnswers([bad.slot]);
    }
    renderSaveState();
    flush();
    return;
  }
  // 5xx, 429, a proxy's error page: the server did not take the saves; try again later.
  goOffline('server');
}

// `code` is the server's stable reason (moved, paused, submitted, time_up, open_not_chosen…);
// `message` is only shown.
async function refusedSaves(refused, code, message) {
  const st = await syncStatus();
  const action = refusalAction(st ? st.state : null, code);
  if (action === 'keep') return;
  if (action === 'block') {
    movedAway();
    return;
  }
  // Refused for a reason of its own (e.g. text for a question no longer chosen): drop it and
  // show what the server holds.
  const slots = queue.drop(refused.map((r) => r.seq));
  toast(message || '有答案未能保存');
  await reloadAnswers(slots);
}

/** Takes the server's values for some slots (after a refusal). */
async function reloadAnswers(slots) {
  try {
    const res = await api('GET', '/api/candidate/answers');
    if (res.status !== 200) return;
    for (const slot of slots) {
      if (pending(slot)) continue;
      const v = res.body.answers[slot] || '';
      S.answers[slot] = v;
      S.committed[slot] = v;
    }
    renderCurrent();
    renderNav();
  } catch (e) { /* next change will try again */ }
}
