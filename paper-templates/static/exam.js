/* The candidate's exam screen: instructions and waiting, the paper, saving, the countdown,
   submission.

   Three rules this file keeps:
   1. The server owns the time. The countdown shows the remaining time the server last reported
      minus the time elapsed since (performance.now, immune to the PC's clock), and is re-synced
      from every status poll and every save response.
   2. Every change gets a sequence number above every number used before and goes into a queue
      kept in localStorage (per ticket) before it is sent, so a dropped network or a reload loses
      nothing; the queue is sent in order.
   3. "已保存" is shown only for what the server acknowledged ("saved" or "stale": both durable). */
(function () {
  'use strict';
  const { api, el, hms, errorText, NetworkError } = window.Kaowu;

  const app = document.getElementById('app');
  const TICKET = app.dataset.ticket;
  const MAX_OPEN_CHARS = parseInt(app.dataset.maxOpenChars, 10) || 5000;
  const OPEN_TO_ANSWER = parseInt(app.dataset.openAnswered, 10) || 3;

  // How often the status (time, pause, submission) is re-read while answering. A test rig may
  // ask for a faster rhythm with ?sync=SECONDS (1–30).
  const syncParam = parseFloat(new URLSearchParams(location.search).get('sync'));
  const SYNC_MS = syncParam >= 1 && syncParam <= 30 ? syncParam * 1000 : 15000;
  // Waiting for the room to open or for a pause to end: the page must react quickly.
  const FAST_SYNC_MS = Math.min(3000, SYNC_MS);
  const TEXT_SAVE_DELAY_MS = 800;
  const WARN_MINUTES = [30, 15, 5];
  const MAX_BATCH = 200;

  // ---- storage, per ticket ------------------------------------------------------------------
  const PREFIX = 'kaowu.' + TICKET + '.';
  const local = {
    get(name, fallback) {
      try {
        const v = localStorage.getItem(PREFIX + name);
        return v === null ? fallback : JSON.parse(v);
      } catch (e) { return fallback; }
    },
    set(name, value) {
      try { localStorage.setItem(PREFIX + name, JSON.stringify(value)); } catch (e) { /* full or private */ }
    },
    remove(name) {
      try { localStorage.removeItem(PREFIX + name); } catch (e) { /* ignore */ }
    },
  };

  // ---- state --------------------------------------------------------------------------------
  const S = {
    state: null,            // not_started | in_progress | paused | submitted
    roomOpen: false,
    autoStart: false,       // the candidate waited for the room: start by itself when it opens
    starting: false,
    entering: null,         // the paper being loaded (once)
    paper: null,
    views: [],              // every item and open question, in paper order
    current: 0,
    answers: {},            // slot → value as the candidate sees it
    committed: {},          // slot → the last value queued or confirmed (text saves only on change)
    confirmed: {},          // slot → the value the server acknowledged last
    flags: new Set(local.get('flags', [])),
    queue: local.get('queue', []),   // [{seq, slot, value}], in seq order
    lastSeq: local.get('seq', 0),
    inflight: null,         // Set of seqs on the wire
    singleMode: false,      // after a 422: send one save at a time to find the bad one
    net: 'ok',              // ok | offline
    retryDelay: 1000,
    retryTimer: null,
    blocked: null,          // paused | moved | session | submitted: do not send
    textTimers: {},
    everSaved: false,
    timer: { base: 0, at: 0, running: false, known: false },
    lastShownMs: null,
    warned: new Set(),
    pollTimer: null,
    expirySync: null,
    done: false,
  };

  const $ = (id) => document.getElementById(id);

  // ---- views --------------------------------------------------------------------------------
  function show(view) {
    for (const id of ['view-loading', 'view-intro', 'view-exam', 'view-done']) $(id).hidden = id !== view;
    document.body.dataset.view = view;
  }

  function overlay(kind, title, text, action) {
    const o = $('overlay');
    if (!kind) { o.hidden = true; return; }
    o.dataset.kind = kind;
    $('overlay-icon').textContent = kind === 'paused' ? 'Ⅱ' : '!';
    $('overlay-title').textContent = title;
    $('overlay-text').textContent = text;
    $('overlay-action').hidden = !action;
    o.hidden = false;
  }

  // ---- sequence numbers and the queue -------------------------------------------------------
  function nextSeq() {
    S.lastSeq += 1;
    local.set('seq', S.lastSeq);
    return S.lastSeq;
  }

  function persistQueue() { local.set('queue', S.queue); }

  function pending(slot) {
    return S.queue.some((e) => e.slot === slot) || Boolean(S.textTimers[slot]);
  }

  /** Records a change: kept locally first, then sent. */
  function enqueue(slot, value) {
    S.answers[slot] = value;
    S.committed[slot] = value;
    const seq = nextSeq();
    // A newer value replaces a queued, unsent one for the same slot (its seq is not reused: the
    // new entry takes a fresh one). The open-question choice is never merged: texts saved while a
    // question was chosen must reach the server before the choice changes.
    if (slot !== 'open') {
      S.queue = S.queue.filter((e) => e.slot !== slot || (S.inflight && S.inflight.has(e.seq)));
    }
    S.queue.push({ seq, slot, value });
    persistQueue();
    refreshSlot(slot);
    renderSaveState();
    flush();
  }

  function scheduleRetry() {
    clearTimeout(S.retryTimer);
    S.retryTimer = setTimeout(flush, S.retryDelay);
    S.retryDelay = Math.min(S.retryDelay * 2, 5000);
  }

  const NET_TEXT = {
    offline: '网络连接中断。您的答案已暂存在本机，网络恢复后将自动按顺序提交，请继续作答，不要关闭或刷新页面。',
    server: '服务器暂时无法保存答案（数据库繁忙或磁盘空间不足）。您的答案已暂存在本机，将自动重试，请继续作答，不要关闭或刷新页面。',
  };

  /** The server cannot be reached ('offline') or did not take the saves ('server'). */
  function goOffline(why) {
    S.net = 'offline';
    S.netWhy = why || 'offline';
    $('net-text').textContent = NET_TEXT[why || 'offline'];
    $('net-banner').hidden = false;
    renderSaveState();
    scheduleRetry();
  }

  function backOnline() {
    if (S.net !== 'ok') {
      S.net = 'ok';
      $('net-banner').hidden = true;
      S.retryDelay = 1000;
      renderSaveState();
    }
  }

  /** Sends the queue, oldest first, one request at a time. */
  async function flush() {
    if (S.inflight || S.queue.length === 0 || S.blocked) {
      renderSaveState();
      return;
    }
    clearTimeout(S.retryTimer);
    const batch = S.queue.slice(0, S.singleMode ? 1 : MAX_BATCH);
    S.inflight = new Set(batch.map((e) => e.seq));
    renderSaveState();
    const t0 = performance.now();
    let res;
    try {
      res = await api('POST', '/api/candidate/saves', { saves: batch });
    } catch (e) {
      S.inflight = null;
      goOffline();
      refreshAllSlots();
      return;
    }
    const at = (t0 + performance.now()) / 2;
    S.inflight = null;
    if (res.status === 200 || (res.status === 409 && res.body && Array.isArray(res.body.results))) {
      backOnline();
      const refused = [];
      const done = new Set();
      for (const r of res.body.results) {
        if (r.status === 'saved' || r.status === 'stale') done.add(r.seq);
        else refused.push(r);
        const sent = batch.find((e) => e.seq === r.seq);
        if (sent && r.status === 'saved') S.confirmed[sent.slot] = sent.value;
      }
      if (done.size) {
        S.everSaved = true;
        S.queue = S.queue.filter((e) => !done.has(e.seq));
        persistQueue();
      }
      if (typeof res.body.remaining_ms === 'number') syncTimer(res.body.remaining_ms, at, S.timer.running);
      if (refused.length) await refusedSaves(refused, res.body.code || refused[0].code, res.body.error || refused[0].message);
      if (S.queue.length === 0) S.singleMode = false;
      refreshAllSlots();
      renderSaveState();
      if (S.queue.length && !S.blocked) flush();
      return;
    }
    if (res.status === 401) {
      sessionLost();
      return;
    }
    if (res.status === 422 || res.status === 400) {
      if (batch.length > 1) {
        S.singleMode = true;
      } else {
        // This one save can never be stored: drop it, say so, and take the server's value.
        S.queue = S.queue.filter((e) => e.seq !== batch[0].seq);
        persistQueue();
        toast(errorText(res, '有一条答案格式有误，未能保存'));
        await reloadAnswers([batch[0].slot]);
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
    if (!st) return; // offline or logged out: the entries stay queued
    if (st.state === 'paused') return; // kept; sent again on resume
    if (st.state === 'submitted') return; // finish() reports what was lost
    if (code === 'moved') {
      S.blocked = 'moved';
      overlay('moved', '考试已转到其他机位', '监考老师已允许您在另一台机位继续考试，本机不能再保存答案。请按监考老师的指示操作。');
      return;
    }
    // Refused for a reason of its own (e.g. text for a question no longer chosen): drop it and
    // show what the server holds.
    const seqs = new Set(refused.map((r) => r.seq));
    const slots = S.queue.filter((e) => seqs.has(e.seq)).map((e) => e.slot);
    S.queue = S.queue.filter((e) => !seqs.has(e.seq));
    persistQueue();
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

  // ---- save state display -------------------------------------------------------------------
  function renderSaveState() {
    const box = $('save-state');
    const text = $('save-text');
    const waiting = S.queue.length + Object.keys(S.textTimers).length;
    let state;
    let label;
    if (S.blocked === 'paused' && S.queue.length) {
      state = 'offline';
      label = '考试暂停中，' + S.queue.length + ' 条答案待恢复后保存';
    } else if (S.net === 'offline' && waiting) {
      state = 'offline';
      label = (S.netWhy === 'server' ? '暂未保存 · ' : '离线 · ') + waiting + ' 条待保存，将自动重试';
    } else if (S.net === 'offline') {
      state = 'offline';
      label = S.netWhy === 'server' ? '服务器暂时无法保存，正在重试' : '网络中断，正在重试';
    } else if (S.inflight) {
      state = 'saving';
      label = '正在保存…';
    } else if (waiting) {
      state = 'saving';
      label = '等待保存…';
    } else if (S.everSaved) {
      state = 'saved';
      label = '已保存';
    } else {
      state = 'idle';
      label = '自动保存已就绪';
    }
    box.dataset.state = state;
    text.textContent = label;
    box.title = state === 'saved' ? '所有答案均已保存到考试服务器' : label;
    const itemState = document.querySelector('#item .item-save');
    if (itemState) renderItemSave(itemState, S.views[S.current]);
    if ($('submit-dialog').open) renderSubmitSummary();
  }

  function renderItemSave(node, view) {
    if (!view) return;
    const slot = view.slot;
    let state;
    let label;
    if (pending(slot)) {
      state = S.net === 'offline' || S.blocked ? 'offline' : 'saving';
      label = state === 'offline' ? '待保存（暂存本机）' : '保存中…';
    } else if (hasAnswer(view)) {
      state = 'saved';
      label = '已保存';
    } else {
      state = 'empty';
      label = view.open && chosen().includes(view.no) ? '已选答，未作答' : '未作答';
    }
    node.dataset.state = state;
    node.textContent = label;
  }

  let toastTimer = null;
  function toast(text) {
    let t = $('toast');
    if (!t) {
      t = el('div', { id: 'toast', class: 'toast', role: 'alert' });
      document.body.append(t);
    }
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 6000);
  }

  // ---- the countdown ------------------------------------------------------------------------
  function syncTimer(remainingMs, at, running) {
    S.timer = { base: remainingMs, at, running, known: true };
    tick();
  }

  function remainingNow() {
    const t = S.timer;
    if (!t.known) return null;
    return t.running ? Math.max(0, t.base - (performance.now() - t.at)) : t.base;
  }

  function tick() {
    if (!S.timer.known || S.state === 'not_started' || S.done) return;
    const ms = remainingNow();
    const box = $('countdown');
    $('countdown-label').textContent = S.state === 'paused' ? '剩余时间（已暂停）' : '剩余时间';
    $('countdown-value').textContent = hms(ms);
    box.dataset.level = ms <= 5 * 60000 ? 'danger' : ms <= 30 * 60000 ? 'warn' : 'normal';
    box.dataset.paused = S.state === 'paused' ? 'true' : 'false';
    if (S.lastShownMs === null) {
      // Warnings already passed when the page loaded are not repeated.
      for (const m of WARN_MINUTES) if (ms <= m * 60000) S.warned.add(m);
    } else {
      const crossed = WARN_MINUTES.filter((m) => S.lastShownMs > m * 60000 && ms <= m * 60000 && !S.warned.has(m));
      if (crossed.length) {
        crossed.forEach((m) => S.warned.add(m));
        warn(Math.min(...crossed));
      }
    }
    S.lastShownMs = ms;
    if (ms <= 0 && S.state === 'in_progress' && !S.expirySync) {
      // Time is up by our count: ask the server (which submits) until it says so.
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

  // ---- talking to the server ----------------------------------------------------------------
  async function syncStatus() {
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
    if (S.net === 'offline' && S.queue.length) {
      S.retryDelay = 1000;
      flush();
    } else {
      backOnline();
    }
    await applyStatus(res.body, at);
    return res.body;
  }

  async function applyStatus(st, at) {
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

  function schedulePoll() {
    clearTimeout(S.pollTimer);
    if (S.done || S.blocked === 'session' || S.blocked === 'moved') return;
    const fast = S.state !== 'in_progress' || S.net === 'offline';
    S.pollTimer = setTimeout(async () => {
      await syncStatus();
      schedulePoll();
    }, fast ? FAST_SYNC_MS : SYNC_MS);
  }

  async function start() {
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

  function sessionLost() {
    S.blocked = 'session';
    clearTimeout(S.pollTimer);
    renderSaveState();
    overlay('session', '登录已失效', '您的登录已失效（可能已在其他机位登录）。本机尚未保存的答案已暂存，重新登录后会自动补交。', true);
  }

  // ---- the paper ----------------------------------------------------------------------------
  const CN_NUM = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
  const KIND_NAME = { single: '单项选择题', multi: '多项选择题' };

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
    // What this browser kept belongs to one paper: anything left from another sitting under the
    // same ticket (a re-created demo, say) is dropped rather than saved into this one.
    const owner = local.get('paper', null);
    if (owner !== null && owner !== paper.paper_id) {
      S.queue = [];
      S.lastSeq = 0;
      S.flags = new Set();
      local.remove('flags');
    }
    local.set('paper', paper.paper_id);
    buildViews(paper);
    S.answers = Object.assign({}, answers.answers);
    S.committed = Object.assign({}, answers.answers);
    S.confirmed = Object.assign({}, answers.answers);
    S.everSaved = Object.keys(answers.answers).length > 0;
    // Entries at or below the server's highest seq were stored (saved or stale) before the page
    // was reloaded; the rest are newer than anything the server holds, so they win.
    S.lastSeq = Math.max(S.lastSeq, answers.max_seq, ...S.queue.map((e) => e.seq));
    local.set('seq', S.lastSeq);
    S.queue = S.queue.filter((e) => e.seq > answers.max_seq);
    persistQueue();
    for (const e of S.queue) {
      S.answers[e.slot] = e.value;
      S.committed[e.slot] = e.value;
    }
    S.current = Math.min(parseInt(sessionStorage.getItem(PREFIX + 'current') || '0', 10) || 0, S.views.length - 1);
    show('view-exam');
    renderNav();
    renderCurrent(false);
    renderSaveState();
    flush();
  }

  function buildViews(paper) {
    S.views = [];
    let part = -1;
    let lastKind = null;
    for (const it of paper.objective) {
      if (it.kind !== lastKind) {
        part += 1;
        lastKind = it.kind;
      }
      S.views.push({
        open: false, no: it.no, slot: String(it.no), item: it,
        part, partName: CN_NUM[part] + '、' + KIND_NAME[it.kind], label: String(it.no),
      });
    }
    part += 1;
    for (const q of paper.open) {
      S.views.push({
        open: true, no: q.no, slot: 'open-' + q.no, item: q,
        part, partName: CN_NUM[part] + '、开放式试题', label: String(q.no),
      });
    }
  }

  function chosenIn(value) {
    return (value || '').split(',').map((s) => parseInt(s, 10)).filter((n) => n > 0).sort((a, b) => a - b);
  }

  function chosen() { return chosenIn(S.answers.open); }

  function hasAnswer(view) {
    const v = S.answers[view.slot] || '';
    if (view.open) return chosen().includes(view.no) && v.trim().length > 0;
    return v.length > 0;
  }

  function chars(text) { return Array.from(text || '').length; }

  // ---- navigation panel ---------------------------------------------------------------------
  function renderNav() {
    const nav = $('nav');
    nav.textContent = '';
    let group = null;
    let grid = null;
    S.views.forEach((v, i) => {
      if (!group || group.dataset.part !== String(v.part)) {
        const count = S.views.filter((w) => w.part === v.part).length;
        grid = el('div', { class: 'nav-grid', role: 'list' });
        group = el('section', { class: 'nav-part', 'data-part': String(v.part) },
          el('h3', {}, v.partName, el('span', { class: 'nav-count', text: v.open ? '选答 ' + OPEN_TO_ANSWER + ' 题' : count + ' 题' })),
          grid);
        nav.append(group);
      }
      grid.append(el('button', {
        type: 'button', class: 'cell', id: 'cell-' + i, 'data-index': String(i), 'data-slot': v.slot,
        role: 'listitem', text: v.label, onclick: () => go(i),
      }));
    });
    refreshAllSlots();
  }

  function refreshSlot(slot) {
    const i = S.views.findIndex((v) => v.slot === slot);
    if (i >= 0) refreshCell(i);
    if (slot === 'open') S.views.forEach((v, j) => { if (v.open) refreshCell(j); });
    refreshProgress();
  }

  function refreshAllSlots() {
    S.views.forEach((_, i) => refreshCell(i));
    refreshProgress();
    const itemState = document.querySelector('#item .item-save');
    if (itemState) renderItemSave(itemState, S.views[S.current]);
  }

  function refreshCell(i) {
    const cell = $('cell-' + i);
    if (!cell) return;
    const v = S.views[i];
    const answered = hasAnswer(v);
    const isChosen = v.open && chosen().includes(v.no);
    const flagged = S.flags.has(v.slot);
    // A change of choice is pending only for the questions it adds or removes.
    const isPending = pending(v.slot)
      || (v.open && pending('open') && isChosen !== chosenIn(S.confirmed.open).includes(v.no));
    cell.classList.toggle('answered', answered);
    cell.classList.toggle('chosen', isChosen && !answered);
    cell.classList.toggle('flagged', flagged);
    cell.classList.toggle('pending', isPending);
    cell.classList.toggle('current', i === S.current);
    if (i === S.current) cell.setAttribute('aria-current', 'true'); else cell.removeAttribute('aria-current');
    const parts = [(v.open ? '开放式试题第 ' : '第 ') + v.no + ' 题'];
    if (v.open) parts.push(isChosen ? '已选答' : '未选答');
    parts.push(answered ? '已作答' : '未作答');
    if (flagged) parts.push('已标记待查');
    if (isPending) parts.push('待保存');
    cell.setAttribute('aria-label', parts.join('，'));
  }

  function refreshProgress() {
    const objective = S.views.filter((v) => !v.open);
    const answered = objective.filter(hasAnswer).length;
    const openDone = S.views.filter((v) => v.open && hasAnswer(v)).length;
    $('progress').textContent = '客观题 ' + answered + '/' + objective.length + ' · 开放题 ' + openDone + '/' + OPEN_TO_ANSWER;
    const total = objective.length + OPEN_TO_ANSWER;
    $('progress-bar').style.width = (total ? Math.round(100 * (answered + openDone) / total) : 0) + '%';
  }

  function go(i) {
    if (i < 0 || i >= S.views.length) return;
    commitAllText();
    const before = S.current;
    S.current = i;
    try { sessionStorage.setItem(PREFIX + 'current', String(i)); } catch (e) { /* ignore */ }
    refreshCell(before);
    refreshCell(i);
    renderCurrent(true);
  }

  // ---- the item card ------------------------------------------------------------------------
  function renderCurrent(focus) {
    const v = S.views[S.current];
    const card = $('item');
    if (!v) return;
    card.textContent = '';
    card.dataset.slot = v.slot;
    card.dataset.kind = v.open ? 'open' : v.item.kind;
    const flagged = S.flags.has(v.slot);
    const head = el('header', { class: 'item-head' },
      el('h2', { class: 'item-no', id: 'item-title' }, v.open ? '开放式试题 第 ' : '第 ', el('strong', { text: String(v.no) }), ' 题'),
      el('div', { class: 'chips' },
        el('span', { class: 'chip chip-part', text: v.partName }),
        el('span', { class: 'chip', text: '模块 ' + v.item.module + ' · ' + v.item.module_name }),
        el('span', { class: 'chip chip-points', text: v.item.points + ' 分' }),
        flagged ? el('span', { class: 'chip chip-flag', text: '已标记待查' }) : null),
      el('span', { class: 'item-save', 'aria-live': 'polite' }));
    card.append(head);
    if (v.open) renderOpen(card, v); else renderObjective(card, v);
    renderItemSave(head.querySelector('.item-save'), v);
    $('prev-btn').disabled = S.current === 0;
    $('next-btn').disabled = S.current === S.views.length - 1;
    const fb = $('flag-btn');
    fb.setAttribute('aria-pressed', flagged ? 'true' : 'false');
    fb.textContent = flagged ? '取消标记' : '标记待查';
    setDisabled(S.blocked !== null);
    if (focus) card.focus({ preventScroll: false });
    card.scrollTop = 0;
    window.scrollTo(0, 0);
  }

  function renderObjective(card, v) {
    const it = v.item;
    const multi = it.kind === 'multi';
    card.append(el('p', { class: 'item-hint', text: multi ? '（多项选择题）请选出所有正确的选项。' : '（单项选择题）请选出一个最符合题意的选项。' }));
    card.append(el('div', { class: 'stem', id: 'stem-' + v.no, text: it.stem }));
    const value = S.answers[v.slot] || '';
    const fs = el('fieldset', { class: 'options', 'aria-describedby': 'stem-' + v.no },
      el('legend', { class: 'visually-hidden', text: '第 ' + v.no + ' 题的选项' }));
    for (const o of it.options) {
      const input = el('input', {
        type: multi ? 'checkbox' : 'radio', name: 'item-' + v.no, value: o.label,
        id: 'opt-' + v.no + '-' + o.label, checked: value.includes(o.label),
      });
      input.addEventListener('change', () => objectiveChanged(v, fs, multi));
      if (multi) input.addEventListener('keydown', (ev) => arrowsBetweenCheckboxes(ev, fs));
      fs.append(el('label', { class: 'option', for: input.id },
        input, el('span', { class: 'opt-label', text: o.label }), el('span', { class: 'opt-text', text: o.text })));
    }
    card.append(fs);
  }

  function objectiveChanged(v, fs, multi) {
    const picked = Array.from(fs.querySelectorAll('input:checked')).map((i) => i.value).sort().join('');
    if (!multi && picked.length > 1) return; // cannot happen with radios
    enqueue(v.slot, picked);
  }

  /** Radios move with the arrow keys by themselves; checkboxes of one item do so here. */
  function arrowsBetweenCheckboxes(ev, fs) {
    const keys = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
    if (!(ev.key in keys)) return;
    const boxes = Array.from(fs.querySelectorAll('input'));
    const i = boxes.indexOf(ev.target);
    const next = boxes[(i + keys[ev.key] + boxes.length) % boxes.length];
    ev.preventDefault();
    next.focus();
  }

  function renderOpen(card, v) {
    const picked = chosen();
    const isChosen = picked.includes(v.no);
    const full = picked.length >= OPEN_TO_ANSWER;
    const box = el('input', { type: 'checkbox', id: 'choose-' + v.no, checked: isChosen, disabled: !isChosen && full });
    box.addEventListener('change', () => toggleChoice(v, box));
    const status = picked.length
      ? '已选 ' + picked.length + ' / ' + OPEN_TO_ANSWER + ' 题：第 ' + picked.join('、') + ' 题'
      : '尚未选题（共 ' + S.views.filter((w) => w.open).length + ' 题，选答 ' + OPEN_TO_ANSWER + ' 题）';
    card.append(el('div', { class: 'open-choice' + (isChosen ? ' is-chosen' : '') },
      el('label', { class: 'choose', for: box.id }, box, el('span', { text: isChosen ? '已选答本题' : '选答本题' })),
      el('span', { class: 'open-count', id: 'open-count', text: status })));
    if (!isChosen && full) {
      card.append(el('p', { class: 'item-hint hint-warn', id: 'open-full', text: '已选满 ' + OPEN_TO_ANSWER + ' 题。如需改答本题，请先在已选的题目中取消一题的选答。' }));
    }
    card.append(el('div', { class: 'stem', id: 'stem-open-' + v.no, text: v.item.stem }));
    const text = S.answers[v.slot] || '';
    if (isChosen) {
      const area = el('textarea', {
        id: 'answer-' + v.no, class: 'answer', rows: '10', maxlength: String(MAX_OPEN_CHARS),
        'aria-describedby': 'stem-open-' + v.no + ' counter-' + v.no, spellcheck: false,
      });
      area.value = text;
      const counter = el('div', { class: 'counter', id: 'counter-' + v.no, 'aria-live': 'polite' });
      const updateCounter = () => {
        const n = chars(area.value);
        counter.textContent = '已输入 ' + n + ' 字 / 上限 ' + MAX_OPEN_CHARS + ' 字';
        counter.dataset.level = n >= MAX_OPEN_CHARS ? 'full' : n >= MAX_OPEN_CHARS * 0.9 ? 'near' : 'ok';
      };
      area.addEventListener('input', () => {
        // Invisible control characters (pasted from another program) cannot be stored: they
        // leave the text here rather than having the whole answer refused.
        const clean = area.value.replace(CONTROL_CHARS, '');
        if (clean !== area.value) area.value = clean;
        S.answers[v.slot] = area.value;
        updateCounter();
        clearTimeout(S.textTimers[v.slot]);
        S.textTimers[v.slot] = setTimeout(() => commitText(v.slot), TEXT_SAVE_DELAY_MS);
        refreshSlot(v.slot);
        renderSaveState();
      });
      area.addEventListener('blur', () => commitText(v.slot));
      updateCounter();
      card.append(el('label', { class: 'visually-hidden', for: area.id, text: '开放式试题第 ' + v.no + ' 题的答案' }), area, counter);
    } else {
      const kept = chars(text);
      card.append(el('div', { class: 'answer-locked' },
        full ? '已选满 ' + OPEN_TO_ANSWER + ' 题，本题不能作答。' : '勾选上方“选答本题”后即可在此作答。',
        kept ? el('span', { class: 'muted', text: '（此前写的 ' + kept + ' 字仍保留，重新选答后恢复。）' }) : null));
    }
  }

  // Control characters other than tab and line breaks (the server refuses them).
  const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

  function commitText(slot) {
    clearTimeout(S.textTimers[slot]);
    delete S.textTimers[slot];
    const v = S.answers[slot] || '';
    if (v !== (S.committed[slot] || '')) enqueue(slot, v);
    else {
      refreshSlot(slot);
      renderSaveState();
    }
  }

  function commitAllText() {
    for (const slot of Object.keys(S.textTimers)) commitText(slot);
  }

  async function toggleChoice(v, box) {
    commitAllText();
    const picked = chosen();
    let next;
    if (box.checked) {
      if (picked.length >= OPEN_TO_ANSWER) {
        box.checked = false;
        toast('开放式试题只能选答 ' + OPEN_TO_ANSWER + ' 题');
        return;
      }
      next = picked.concat([v.no]).sort((a, b) => a - b);
    } else {
      const written = chars(S.answers[v.slot] || '');
      if (written > 0) {
        const ok = await confirmDialog('取消选答第 ' + v.no + ' 题？',
          '本题已写的 ' + written + ' 字将不计分（内容仍保留，重新选答后可恢复）。');
        if (!ok) {
          box.checked = true;
          return;
        }
      }
      next = picked.filter((n) => n !== v.no);
    }
    enqueue('open', next.join(','));
    renderCurrent(false);
    const again = $('choose-' + v.no);
    if (again) again.focus();
  }

  function setDisabled(disabled) {
    for (const node of document.querySelectorAll('#item input, #item textarea')) {
      if (node.id && node.id.startsWith('choose-')) {
        const v = S.views[S.current];
        node.disabled = disabled || (v && !chosen().includes(v.no) && chosen().length >= OPEN_TO_ANSWER);
      } else {
        node.disabled = disabled;
      }
    }
    $('submit-btn').disabled = disabled;
    $('flag-btn').disabled = disabled;
  }

  function toggleFlag() {
    const v = S.views[S.current];
    if (!v) return;
    if (S.flags.has(v.slot)) S.flags.delete(v.slot); else S.flags.add(v.slot);
    local.set('flags', Array.from(S.flags));
    refreshCell(S.current);
    renderCurrent(false);
    $('flag-btn').focus();
  }

  // ---- dialogs ------------------------------------------------------------------------------
  function confirmDialog(title, text) {
    const d = $('confirm-dialog');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    return new Promise((resolve) => {
      const done = (value) => {
        $('confirm-yes').onclick = null;
        $('confirm-no').onclick = null;
        d.onclose = null;
        if (d.open) d.close();
        resolve(value);
      };
      $('confirm-yes').onclick = () => done(true);
      $('confirm-no').onclick = () => done(false);
      d.onclose = () => done(false);
      d.showModal();
      $('confirm-no').focus();
    });
  }

  function jumpButton(i, label) {
    return el('button', {
      type: 'button', class: 'link-btn', text: label,
      onclick: () => { $('submit-dialog').close(); go(i); },
    });
  }

  /** [[view, index], …] → "3–50、52、55–70" with each run a link to its first item; a
      separator never starts a line. */
  function runs(pairs, prefix) {
    const groups = [];
    for (const [v, i] of pairs) {
      const last = groups[groups.length - 1];
      if (last && v.no === last.to + 1 && i === last.toIndex + 1) {
        last.to = v.no;
        last.toIndex = i;
      } else {
        groups.push({ from: v.no, to: v.no, index: i, toIndex: i });
      }
    }
    return el('span', { class: 'num-list' }, groups.map((g, k) => el('span', { class: 'nb' },
      jumpButton(g.index, (prefix || '') + (g.from === g.to ? String(g.from) : g.from + '–' + g.to)),
      k < groups.length - 1 ? '、' : '')));
  }

  function renderSubmitSummary() {
    const box = $('submit-summary');
    box.textContent = '';
    const objective = S.views.map((v, i) => [v, i]).filter(([v]) => !v.open);
    const unanswered = objective.filter(([v]) => !hasAnswer(v));
    const opens = S.views.map((v, i) => [v, i]).filter(([v]) => v.open);
    const picked = chosen();
    const chosenEmpty = opens.filter(([v]) => picked.includes(v.no) && !hasAnswer(v));
    const notChosen = opens.filter(([v]) => !picked.includes(v.no));
    const flagged = S.views.map((v, i) => [v, i]).filter(([v]) => S.flags.has(v.slot));

    const list = el('ul', { class: 'summary-list' });
    list.append(el('li', { class: unanswered.length ? 'sum-warn' : 'sum-ok', id: 'sum-objective' },
      el('strong', { text: '客观题：' }),
      '已作答 ' + (objective.length - unanswered.length) + ' / ' + objective.length + ' 题。',
      unanswered.length ? el('span', { id: 'sum-unanswered' }, '未作答 ' + unanswered.length + ' 题：第 ', runs(unanswered), ' 题。') : null));
    const openLine = el('li', { class: picked.length < OPEN_TO_ANSWER || chosenEmpty.length ? 'sum-warn' : 'sum-ok', id: 'sum-open' },
      el('strong', { text: '开放式试题：' }),
      '已选答 ' + picked.length + ' / ' + OPEN_TO_ANSWER + ' 题' + (picked.length ? '（第 ' + picked.join('、') + ' 题）' : '') + '。');
    if (picked.length < OPEN_TO_ANSWER) {
      openLine.append('还可选答 ' + (OPEN_TO_ANSWER - picked.length) + ' 题，未选的题：第 ', runs(notChosen), ' 题。');
    }
    if (chosenEmpty.length) {
      openLine.append('已选但未作答：第 ', runs(chosenEmpty), ' 题。');
    }
    list.append(openLine);
    if (flagged.length) {
      list.append(el('li', { class: 'sum-warn', id: 'sum-flagged' }, el('strong', { text: '标记待查：' }),
        runs(flagged.filter(([v]) => !v.open)), flagged.some(([v]) => v.open) && flagged.some(([v]) => !v.open) ? '；' : '',
        flagged.some(([v]) => v.open) ? el('span', {}, '开放式试题 ', runs(flagged.filter(([v]) => v.open))) : null));
    }
    box.append(list);
    const waiting = S.queue.length + Object.keys(S.textTimers).length;
    const confirm = $('submit-confirm');
    if (waiting && S.net === 'offline') {
      box.append(el('p', { class: 'alert alert-error', id: 'sum-offline', text: '网络中断：还有 ' + waiting + ' 条答案未保存到服务器，暂时不能交卷。答案已暂存本机，网络恢复后会自动保存；如长时间未恢复，请举手联系监考老师。' }));
      confirm.disabled = true;
    } else if (waiting) {
      box.append(el('p', { class: 'alert alert-info', text: '正在保存最后 ' + waiting + ' 条答案，保存完成后即可交卷…' }));
      confirm.disabled = true;
    } else {
      confirm.disabled = false;
    }
  }

  function openSubmit() {
    commitAllText();
    renderSubmitSummary();
    $('submit-error') && $('submit-error').remove();
    $('submit-dialog').showModal();
    $('submit-cancel').focus();
  }

  async function confirmSubmit() {
    const btn = $('submit-confirm');
    btn.disabled = true;
    btn.textContent = '正在交卷…';
    try {
      const res = await api('POST', '/api/candidate/submit');
      if (res.status === 200) {
        $('submit-dialog').close();
        await applyStatus(res.body, performance.now());
        return;
      }
      if (res.status === 401) { $('submit-dialog').close(); sessionLost(); return; }
      showSubmitError(errorText(res, '交卷未成功，请重试'));
    } catch (e) {
      showSubmitError('无法连接考试服务器，交卷未成功。答案已保存，请稍后重试或举手联系监考老师。');
    } finally {
      btn.textContent = '确认交卷';
      if ($('submit-dialog').open) renderSubmitSummary();
    }
  }

  function showSubmitError(text) {
    let p = $('submit-error');
    if (!p) {
      p = el('p', { class: 'alert alert-error', id: 'submit-error', role: 'alert' });
      $('submit-summary').after(p);
    }
    p.textContent = text;
  }

  // ---- the end ------------------------------------------------------------------------------
  async function finish(by) {
    if (S.done) return;
    S.done = true;
    S.blocked = 'submitted';
    clearTimeout(S.pollTimer);
    clearTimeout(S.retryTimer);
    overlay(null);
    if ($('submit-dialog').open) $('submit-dialog').close();
    if (!S.paper) {
      try {
        const [p, a] = await Promise.all([api('GET', '/api/candidate/paper'), api('GET', '/api/candidate/answers')]);
        if (p.status === 200 && a.status === 200) {
          S.paper = p.body;
          buildViews(p.body);
          S.answers = a.body.answers;
        }
      } catch (e) { /* the summary stays short */ }
    }
    const lost = S.queue.length;
    const system = by === 'system';
    $('done-title').textContent = system ? '考试时间到，系统已自动交卷' : '交卷成功';
    $('done-text').textContent = system
      ? '考试时间已到，系统已自动交卷。交卷前已保存的答案全部有效。'
      : '您的答卷已提交，答案已全部保存在考试服务器。';
    $('done-by').textContent = system ? '系统自动交卷（考试时间到）' : '考生本人交卷';
    if (S.views.length) {
      const objective = S.views.filter((v) => !v.open);
      $('done-count').textContent = '客观题已答 ' + objective.filter(hasAnswer).length + ' / ' + objective.length
        + ' 题；开放式试题已作答 ' + S.views.filter((v) => v.open && hasAnswer(v)).length + ' / ' + OPEN_TO_ANSWER + ' 题';
    }
    if (lost) {
      $('done-lost').textContent = '注意：交卷时有 ' + lost + ' 条修改尚未送达服务器，未计入答卷。如有疑问请联系监考老师。';
      $('done-lost').hidden = false;
    }
    S.queue = [];
    local.remove('queue');
    local.remove('flags');
    local.remove('paper');
    $('countdown-label').textContent = '考试状态';
    $('countdown-value').textContent = '已交卷';
    $('countdown').dataset.level = 'done';
    $('net-banner').hidden = true;
    $('warning-banner').hidden = true;
    document.body.dataset.state = 'submitted';
    show('view-done');
    renderSaveState();
    $('done-title').setAttribute('tabindex', '-1');
    $('done-title').focus();
  }

  // ---- wiring -------------------------------------------------------------------------------
  $('prev-btn').addEventListener('click', () => go(S.current - 1));
  $('next-btn').addEventListener('click', () => go(S.current + 1));
  $('flag-btn').addEventListener('click', toggleFlag);
  $('submit-btn').addEventListener('click', openSubmit);
  $('submit-cancel').addEventListener('click', () => $('submit-dialog').close());
  $('submit-confirm').addEventListener('click', confirmSubmit);
  $('start-btn').addEventListener('click', start);
  $('warning-close').addEventListener('click', () => { $('warning-banner').hidden = true; });
  $('logout-btn').addEventListener('click', () => window.Kaowu.logout('/login'));
  window.addEventListener('online', () => { S.retryDelay = 1000; flush(); syncStatus(); });
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
    schedulePoll();
  })();

  // For tests and support staff: the page's view of the saves, read-only.
  window.KaowuExam = {
    queue: () => S.queue.map((e) => Object.assign({}, e)),
    state: () => ({ state: S.state, net: S.net, blocked: S.blocked, remaining: remainingNow() }),
  };
})();
