/* The sitting's status from the server — not started (waiting for the room), in progress,
   paused, submitted — and the time. The server owns both: the status is re-read every few
   seconds (and after every refused save), the countdown (countdown.js) re-synced from every
   status and save answer. Also starting the sitting, loading the paper once, and a lost login. */
import { api, errorText, hms, NetworkError } from './kaowu.js';
import { $, S, local, queue, retry, countdown, SYNC_MS, FAST_SYNC_MS } from './state.js';
import { level } from './countdown.js';
import { buildViews, flagsFrom } from './paper.js';
import { show, overlay, renderSaveState } from './screen.js';
import { renderNav, renderCurrent, restoreCurrent, setDisabled } from './sheet.js';
import { flush, goOffline, backOnline } from './saving.js';
import { finish } from './submit.js';

// ---- the countdown ----------------------------------------------------------------------------
export function syncTimer(remainingMs, at, running) {
  countdown.sync(remainingMs, at, running);
  tick();
}

/** Shows the time left (several times a second), gives the warnings, and at zero asks the
    server — which submits — until it says so. */
export function tick() {
  if (!countdown.known || S.state === 'not_started' || S.done) return;
  const ms = countdown.remaining();
  const box = $('countdown');
  $('countdown-label').textContent = S.state === 'paused' ? '剩余时间（已暂停）' : '剩余时间';
  $('countdown-value').textContent = hms(ms);
  box.dataset.level = level(ms);
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

function warn(minutes) {
  $('warning-text').textContent = '距离考试结束还有 ' + minutes + ' 分钟，请注意掌握时间。时间到系统将自动交卷。';
  const b = $('warning-banner');
  b.dataset.level = minutes <= 5 ? 'danger' : 'warn';
  b.hidden = false;
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
    await finish(st.submitted_by);
    return;
  }
  if (st.state === 'not_started') {
    if (before === null) S.autoStart = !st.room_open;
    show('view-intro');
    const card = $('wait-card');
    card.dataset.state = st.room_open ? 'ready' : 'waiting';
    if (st.room_open && S.autoStart) start();
    return;
  }
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

/** Re-reads the status on a rhythm: quickly while waiting, paused or offline. */
export function schedulePoll() {
  clearTimeout(S.pollTimer);
  if (S.done || S.blocked === 'session' || S.blocked === 'moved') return;
  const fast = S.state !== 'in_progress' || S.net === 'offline';
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

export function sessionLost() {
  S.blocked = 'session';
  clearTimeout(S.pollTimer);
  renderSaveState();
  overlay('session', '登录已失效', '您的登录已失效（可能已在其他机位登录）。本机尚未保存的答案已暂存，重新登录后会自动补交。', true);
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
