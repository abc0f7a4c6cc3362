/* The sitting's status from the server — not started (waiting for the room), in progress,
   paused, submitted — and the time. The server owns both: the status is re-read every few
   seconds (and after every refused save), the countdown (countdown.js) re-synced from every
   status and save answer. Also starting the sitting, loading the paper once, and a lost login. */
import { api, errorText, hms, NetworkError } from './kaowu.js';
import { $, S, local, queue, retry, countdown, SYNC_MS, FAST_SYNC_MS, DURATION_MINUTES } from './state.js';
import { level, leftWords } from './countdown.js';
import { buildViews, flagsFrom, slotNames } from './paper.js';
import { show, overlay, renderSaveState } from './screen.js';
import { renderNav, renderCurrent, restoreCurrent, setDisabled } from './sheet.js';
import { flush, goOffline, backOnline, commitAllText } from './saving.js';
import { finish } from './submit.js';

// ---- the countdown ----------------------------------------------------------------------------
export function syncTimer(remainingMs, at, running) {
  countdown.sync(remainingMs, at, running);
  tick();
}

/** Shows the time left (several times a second), gives the warnings, and at zero asks the
    server — which submits — until it says so. */
export function tick() {
  if (S.paperAt !== null) tickEarly();
  if (!countdown.known || S.state === 'not_started' || S.done) return;
  const ms = countdown.remaining();
  const box = $('countdown');
  $('countdown-label').textContent = S.state === 'paused' ? '剩余时间（已暂停）' : '剩余时间';
  $('countdown-value').textContent = hms(ms);
  box.dataset.level = level(ms, DURATION_MINUTES);
  box.dataset.paused = S.state === 'paused' ? 'true' : 'false';
  const warning = countdown.shown(ms);
  if (warning !== null) warn(warning);
  if (ms <= 0 && S.state === 'in_progress' && !S.expirySync) {
    S.expirySync = setTimeout(async () => {
      await syncStatus();
      S.expirySync = null;
    }, 1000);
  }
}

function warn(leftMs) {
  notify('距离考试结束还有 ' + leftWords(leftMs) + '，请注意掌握时间。时间到系统将自动交卷。',
    level(leftMs, DURATION_MINUTES) === 'danger' ? 'danger' : 'warn');
}

/** Shows a message in the banner under the header (a warning, or what the proctor did). */
export function notify(text, kind) {
  $('warning-text').textContent = text;
  const b = $('warning-banner');
  b.dataset.level = kind || 'info';
  b.hidden = false;
}

/** Started before the published start: counts down to the paper, then loads it. */
function tickEarly() {
  const left = S.paperAt - performance.now();
  $('paper-left').textContent = left > 0 ? hms(left) : '00:00:00';
  if (left <= 0 && !S.earlySync) {
    S.paperAt = null;
    S.earlySync = true;
    syncStatus().finally(() => { S.earlySync = false; });
  }
}

// ---- the status -------------------------------------------------------------------------------
/** Reads the status and acts on it; resolves to it, or null when it could not be read. */
export async function syncStatus() {
  const t0 = performance.now();
  let res;
  try {
    res = await api('GET', '/api/candidate/status');
  } catch (e) {
    if (S.state !== null) goOffline();
    return null;
  }
  const at = (t0 + performance.now()) / 2;
  if (res.status === 401) {
    sessionLost();
    return null;
  }
  if (res.status !== 200) return null;
  // The server answers again. With saves still queued, "offline" stays until they go through.
  if (S.net === 'offline' && queue.length) {
    retry.reset();
    flush();
  } else {
    backOnline();
  }
  await applyStatus(res.body, at);
  return res.body;
}

export async function applyStatus(st, at) {
  const before = S.state;
  S.state = st.state;
  S.roomOpen = st.room_open;
  document.body.dataset.state = st.state;
  if (st.state === 'submitted') {
    stopListening();
    await finish(st.submitted_by);
    return;
  }
  if (st.state === 'not_started') {
    if (before === null) S.autoStart = !st.room_open;
    show('view-intro');
    const card = $('wait-card');
    $('entry-notice').textContent = st.notice || '';
    $('absent-notice').textContent = st.notice || '';
    $('waiting-notice').textContent = st.notice || '';
    card.dataset.state = st.absent ? 'absent' : st.room_open ? 'ready' : 'waiting';
    // Waited on this page for the room: entering is automatic (the notice was on screen).
    if (st.room_open && S.autoStart && !st.absent) start();
    return;
  }
  if (st.paper_in_ms > 0) {
    // Entered before the published start: the paper appears for everyone at once.
    show('view-intro');
    $('wait-card').dataset.state = 'early';
    $('paper-at').textContent = st.timetable.starts;
    S.paperAt = at + st.paper_in_ms;
    tick();
    return;
  }
  S.paperAt = null;
  syncTimer(st.remaining_ms, at, st.state === 'in_progress');
  if (!S.paper) {
    S.entering = S.entering || enterExam();
    await S.entering;
  }
  if (S.blocked === 'session' || S.blocked === 'moved') return;
  if (st.state === 'paused') {
    S.blocked = 'paused';
    overlay('paused', '考试已暂停', '监考老师已暂停您的考试，计时已停止。请在座位上安静等候，恢复后可继续作答。');
    setDisabled(true);
  } else {
    if (S.blocked === 'paused') {
      S.blocked = null;
      flush();
    }
    if (!S.blocked) {
      overlay(null);
      setDisabled(false);
    }
  }
  renderSaveState();
}

/** Re-reads the status on a rhythm: quickly while waiting, paused or offline and the live feed
    is not connected (it tells the page of every change as it happens; polling is the fallback). */
export function schedulePoll() {
  clearTimeout(S.pollTimer);
  if (S.done || S.blocked === 'session' || S.blocked === 'moved') return;
  const liveUp = S.live !== null && S.live.readyState === 1;
  const fast = (S.state !== 'in_progress' && !liveUp) || S.net === 'offline';
  S.pollTimer = setTimeout(async () => {
    await syncStatus();
    schedulePoll();
  }, fast ? FAST_SYNC_MS : SYNC_MS);
}

export async function start() {
  if (S.starting) return;
  S.starting = true;
  $('start-btn').disabled = true;
  try {
    const t0 = performance.now();
    const res = await api('POST', '/api/candidate/start');
    const at = (t0 + performance.now()) / 2;
    if (res.status === 200) {
      await applyStatus(res.body, at);
    } else if (res.status === 401) {
      sessionLost();
    } else {
      $('wait-text').textContent = errorText(res, '暂时无法开始考试，请稍候');
    }
  } catch (e) {
    $('wait-text').textContent = '与考试服务器的连接中断，正在重试…';
  } finally {
    S.starting = false;
    $('start-btn').disabled = false;
  }
}

/** What did not reach the server from this workstation, in words ('' when nothing). */
function unsaved() {
  commitAllText();
  return slotNames(queue.entries.map((e) => e.slot));
}

export function sessionLost() {
  S.blocked = 'session';
  clearTimeout(S.pollTimer);
  stopListening();
  renderSaveState();
  const left = unsaved();
  overlay('session', '登录已失效', left
    ? '您的登录已失效（可能已在其他机位登录）。本机有作答尚未保存到服务器（' + left + '），已暂存在本机：在本机重新登录后会自动补交；如已在其他机位继续考试，请在新机位上重新作答这些题目。'
    : '您的登录已失效（可能已在其他机位登录）。您在本机的作答均已保存到服务器。如需继续考试，请重新登录或举手联系监考老师。', true);
}

/** The sitting continues on another workstation: this one stops, and says what it could not save. */
export function movedAway() {
  S.blocked = 'moved';
  clearTimeout(S.pollTimer);
  stopListening();
  setDisabled(true);
  renderSaveState();
  const left = unsaved();
  overlay('moved', '考试已转到其他机位', left
    ? '本场考试已在其他机位继续，本机已停止作答。本机有作答未能保存到服务器（' + left + '），新机位上看不到这些答案：请在新机位上重新作答。'
    : '本场考试已在其他机位继续，本机已停止作答。您在本机的作答均已保存到服务器，在新机位上都能看到。请按监考老师的指示到新机位继续作答。');
}

// ---- the live feed ----------------------------------------------------------------------------
/** Listens to the server's live feed: a pause, a resume, extra time, a move or the submission at
    time-up reaches the page within a second or two, with a message. Polling stays as the fallback;
    the browser reconnects by itself after a network break. */
export function listen() {
  if (typeof EventSource === 'undefined' || S.live) return;
  const es = new EventSource('/api/candidate/live');
  S.live = es;
  es.addEventListener('change', async (ev) => {
    let d;
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    if (d.moved_away) { movedAway(); return; }
    await applyStatus(d.status, performance.now());
    if (d.change === 'paused' || d.change === 'auto_submitted' || d.change === 'room_opened') return;
    notify(d.message, 'info');
  });
  es.addEventListener('resync', () => { syncStatus(); });
  es.addEventListener('open', () => { syncStatus(); });
  es.addEventListener('error', () => {
    // Closed for good (e.g. the login ended): the status poll finds out why.
    if (es.readyState === 2) { S.live = null; schedulePoll(); }
  });
}

function stopListening() {
  if (S.live) S.live.close();
  S.live = null;
}

// ---- entering the paper -----------------------------------------------------------------------
/** Loads the paper and the server's answers (retrying while the network is down), lays the
    queue kept in this browser over them, and shows the item the tab showed last. */
async function enterExam() {
  let paper;
  let answers;
  for (;;) {
    try {
      const [p, a] = await Promise.all([api('GET', '/api/candidate/paper'), api('GET', '/api/candidate/answers')]);
      if (p.status === 401 || a.status === 401) { sessionLost(); return; }
      if (p.status === 200 && a.status === 200) { paper = p.body; answers = a.body; break; }
    } catch (e) {
      if (!(e instanceof NetworkError)) throw e;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  S.paper = paper;
  if (queue.adopt(paper.paper_id, answers.max_seq)) {
    // What this browser kept was for another paper under the same ticket: so were the flags.
    S.flags = new Set();
    local.remove('flags');
  }
  S.views = buildViews(paper);
  S.answers = Object.assign({}, answers.answers);
  S.committed = Object.assign({}, answers.answers);
  S.confirmed = Object.assign({}, answers.answers);
  S.everSaved = Object.keys(answers.answers).length > 0;
  // What waits in the queue is newer than anything the server holds: it is what the candidate sees.
  for (const e of queue.entries) {
    S.answers[e.slot] = e.value;
    S.committed[e.slot] = e.value;
  }
  // Flags saved on the server (from this or another workstation) win over this browser's.
  const flags = flagsFrom(S.answers.flags);
  if (flags) {
    S.flags = flags;
    local.set('flags', Array.from(flags));
  }
  restoreCurrent();
  show('view-exam');
  renderNav();
  renderCurrent(false);
  renderSaveState();
  flush();
}
