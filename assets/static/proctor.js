/* The proctor's room console: every seat's state and time, refreshed every few seconds without
   reloading; opening the room, pausing and resuming (one candidate or the room), extra time,
   moving a candidate to another workstation and recording incidents — each with a reason that
   goes into the room's log. */
(function () {
  'use strict';
  const { api, el, hms, clock, ago, errorText, message, toast } = window.Kaowu;
  const REFRESH_MS = 3000;
  const $ = (id) => document.getElementById(id);

  const S = {
    rooms: [],          // [{event, eventName, room, opened}]
    pick: null,         // {event, room}
    view: null,         // the last room view
    fetchedAt: 0,       // performance.now() of that view
    log: [],
    timer: null,
    action: null,       // the dialog's pending action
  };

  const STATE_ORDER = ['not_logged_in', 'waiting', 'in_progress', 'paused', 'submitted', 'absent'];
  const STATE_NAME = {
    not_logged_in: '未登录', waiting: '等待开考', in_progress: '答题中', paused: '已暂停', submitted: '已交卷', absent: '缺考',
  };
  const SCHEDULE = ['opens', 'starts', 'cutoff', 'ends'];
  const ACTION_NAME = {
    open_room: '开放考场', pause_room: '全场暂停', resume_room: '全场恢复', pause: '暂停', resume: '恢复',
    allow_move: '允许更换机位', incident: '考场事件', auto_submit: '时间到，系统自动交卷', moved_in: '考生在新机位继续考试',
  };

  function roomPath(action) {
    return '/api/proctor/events/' + S.pick.event + '/rooms/' + encodeURIComponent(S.pick.room) + (action || '');
  }

  function setSync(ok, text) {
    $('sync-state').dataset.state = ok ? 'saved' : 'offline';
    $('sync-text').textContent = text;
  }

  function showError(text) { message($('console-error'), text); }

  // ---- loading ------------------------------------------------------------------------------
  async function loadRooms() {
    const res = await api('GET', '/api/proctor/events');
    if (res.status === 401 || res.status === 403) { location.assign('/staff-login'); return false; }
    if (res.status !== 200) { showError(errorText(res)); return false; }
    S.rooms = [];
    const select = $('room-select');
    select.textContent = '';
    for (const e of res.body) {
      const group = el('optgroup', { label: e.name });
      for (const r of e.rooms) {
        S.rooms.push({ event: e.id, eventName: e.name, room: r.room });
        group.append(el('option', { value: e.id + '|' + r.room, text: r.room }));
      }
      select.append(group);
    }
    if (!S.rooms.length) {
      showError('当前没有可监考的考场。');
      return false;
    }
    let saved = null;
    try { saved = localStorage.getItem('kaowu.proctor.room'); } catch (e) { /* ignore */ }
    const found = S.rooms.find((r) => r.event + '|' + r.room === saved) || S.rooms[0];
    select.value = found.event + '|' + found.room;
    S.pick = { event: found.event, room: found.room, eventName: found.eventName };
    return true;
  }

  async function refresh() {
    if (!S.pick) return;
    clearTimeout(S.timer);
    try {
      const [room, log] = await Promise.all([api('GET', roomPath()), api('GET', roomPath('/log'))]);
      if (room.status === 401) { location.assign('/staff-login'); return; }
      if (room.status !== 200) {
        setSync(false, '刷新失败');
        showError(errorText(room));
      } else {
        S.view = room.body;
        S.fetchedAt = performance.now();
        if (log.status === 200) S.log = log.body;
        setSync(true, '实时 · ' + clock(room.body.server_now_ms));
        showError('');
        render();
      }
    } catch (e) {
      setSync(false, '与服务器断开，正在重试');
    }
    S.timer = setTimeout(refresh, REFRESH_MS);
  }

  // ---- rendering ----------------------------------------------------------------------------
  function render() {
    const v = S.view;
    if (!v) return;
    const opened = v.opened_ms !== null && v.opened_ms !== undefined;
    $('room-title').textContent = S.pick.eventName + ' · ' + v.room;
    $('room-state').textContent = opened ? '已开放' : '未开放';
    $('room-state').dataset.state = opened ? 'open' : 'closed';
    const refusal = v.schedule.open_refusal;
    $('room-opened').textContent = opened ? '开放时间 ' + clock(v.opened_ms) + '（试卷 ' + v.schedule.starts + ' 统一发放）'
      : refusal ? refusal : '开放考场后，考生可登录、阅读须知并等候；试卷在 ' + v.schedule.starts + ' 统一发放';
    $('room-opened').classList.toggle('refusal', !opened && Boolean(refusal));
    $('open-room-btn').disabled = opened || Boolean(refusal);
    $('open-room-btn').hidden = opened;
    for (const k of SCHEDULE) $('sched-' + k).textContent = v.schedule[k];
    $('sched-rehearsal').hidden = !v.schedule.rehearsal;
    $('pause-room-btn').disabled = !opened || !v.seats.some((s) => s.state === 'in_progress');
    $('resume-room-btn').disabled = !opened || !v.seats.some((s) => s.state === 'paused');
    $('incident-btn').disabled = false;

    const counts = {};
    for (const s of v.seats) counts[s.state] = (counts[s.state] || 0) + 1;
    const summary = $('summary');
    summary.textContent = '';
    summary.append(el('div', { class: 'stat stat-total' }, el('span', { class: 'stat-n', text: String(v.seats.length) }), el('span', { text: '考生总数' })));
    for (const k of STATE_ORDER) {
      summary.append(el('div', { class: 'stat', 'data-state': k, id: 'count-' + k },
        el('span', { class: 'stat-n', text: String(counts[k] || 0) }), el('span', { text: STATE_NAME[k] })));
    }

    // Rows change in place, and only when their seat changed: a refresh never steals the
    // proctor's focus or a click in progress.
    const body = $('seat-rows');
    const placeholder = body.querySelector('tr:not([data-ticket])');
    if (placeholder) placeholder.remove();
    const keep = new Set();
    let before = null;
    for (const s of v.seats.slice().reverse()) {
      keep.add(s.ticket);
      const sig = JSON.stringify([s.state, s.name, s.seat, s.extra_ms, s.move_allowed, s.submitted_by, s.late_minutes]);
      let row = $('seat-' + s.ticket);
      if (!row || row.dataset.sig !== sig) {
        const fresh = seatRow(s, opened);
        fresh.dataset.sig = sig;
        const focused = row && row.contains(document.activeElement) ? document.activeElement.dataset.focusKey : null;
        if (row) row.replaceWith(fresh);
        row = fresh;
        if (focused) {
          const again = row.querySelector('[data-focus-key="' + CSS.escape(focused) + '"]');
          if (again) again.focus();
        }
      }
      row.querySelector('.remaining').dataset.remaining = String(s.remaining_ms);
      row.querySelector('.last-save').dataset.at = s.last_save_ms === null ? '' : String(s.last_save_ms);
      if (row.nextSibling !== before || row.parentNode !== body) body.insertBefore(row, before);
      before = row;
    }
    for (const row of Array.from(body.querySelectorAll('tr[data-ticket]'))) {
      if (!keep.has(row.dataset.ticket)) row.remove();
    }
    tickTimes();
    renderLog();
    fillTicketChoices();
  }

  function seatRow(s, opened) {
    const actions = el('div', { class: 'row-actions' });
    const add = (act, label, cls) => actions.append(el('button', {
      type: 'button', class: 'btn btn-small ' + (cls || 'btn-secondary'), text: label,
      'data-act': act, 'data-ticket': s.ticket, 'data-focus-key': act + ':' + s.ticket,
      'aria-label': label + '：' + s.name + '（' + s.ticket + '）',
      onclick: () => openAction(act, s),
    }));
    if (s.state === 'in_progress') add('pause', '暂停', 'btn-warn');
    if (s.state === 'paused') add('resume', '恢复', 'btn-primary');
    if (s.state === 'in_progress' || s.state === 'paused') add('extra', '延时');
    if ((s.state === 'in_progress' || s.state === 'paused') && !s.move_allowed) add('move', '换机');
    add('incident', '记录');
    const notes = [];
    if (s.extra_ms > 0) notes.push(el('span', { class: 'tag', text: '已延时 ' + Math.round(s.extra_ms / 60000) + ' 分钟' }));
    if (s.move_allowed) notes.push(el('span', { class: 'tag tag-info', text: '允许换机' }));
    if (s.late_minutes) notes.push(el('span', { class: 'tag tag-warn', text: '迟到 ' + s.late_minutes + ' 分钟' }));
    if (s.state === 'absent') notes.push(el('span', { class: 'tag', text: '入场截止前未开始' }));
    if (s.submitted_by === 'system') notes.push(el('span', { class: 'tag', text: '时间到系统交卷' }));
    if (s.submitted_by === 'candidate') notes.push(el('span', { class: 'tag', text: '考生交卷' }));
    return el('tr', { 'data-ticket': s.ticket, 'data-state': s.state, id: 'seat-' + s.ticket },
      el('td', { class: 'seat-no', text: s.seat }),
      el('td', { class: 'seat-who' }, el('div', { class: 'seat-name', text: s.name }), el('div', { class: 'mono seat-ticket', text: s.ticket })),
      el('td', {}, el('span', { class: 'badge', 'data-state': s.state, text: s.state_name })),
      el('td', { class: 'num mono remaining', 'data-remaining': String(s.remaining_ms) }),
      el('td', { class: 'last-save', 'data-at': s.last_save_ms === null ? '' : String(s.last_save_ms) }),
      el('td', { class: 'notes' }, notes),
      el('td', { class: 'actions-col' }, actions));
  }

  /** The timetable's countdowns: the next moment to come is marked and counted down to. */
  function tickSchedule(now) {
    const v = S.view;
    let next = null;
    for (const k of SCHEDULE) {
      const at = v.schedule[k === 'ends' ? 'ends_at_ms' : k === 'cutoff' ? 'cutoff_ms' : k + '_at_ms'];
      const box = document.querySelector('.sched[data-key="' + k + '"]');
      const left = at - now;
      box.dataset.when = left > 0 ? 'coming' : 'past';
      if (left > 0 && next === null) next = k;
      $('left-' + k).textContent = left > 0 ? '还有 ' + hms(left) : '已过';
    }
    for (const k of SCHEDULE) document.querySelector('.sched[data-key="' + k + '"]').dataset.next = String(k === next);
  }

  /** Remaining time and "last save" age move between refreshes, from the server's numbers. */
  function tickTimes() {
    const v = S.view;
    if (!v) return;
    const elapsed = performance.now() - S.fetchedAt;
    tickSchedule(v.server_now_ms + elapsed);
    for (const row of document.querySelectorAll('#seat-rows tr[data-ticket]')) {
      const state = row.dataset.state;
      const cell = row.querySelector('.remaining');
      const base = parseInt(cell.dataset.remaining, 10);
      if (state === 'not_logged_in' || state === 'waiting' || state === 'absent') cell.textContent = '—';
      else if (state === 'submitted') cell.textContent = '—';
      else cell.textContent = hms(state === 'in_progress' ? Math.max(0, base - elapsed) : base);
      cell.classList.toggle('low', state === 'in_progress' && base - elapsed <= 30 * 60000);
      const save = row.querySelector('.last-save');
      save.textContent = '';
      if (save.dataset.at) {
        const at = parseInt(save.dataset.at, 10);
        save.append(el('div', { class: 'mono', text: clock(at) }), el('div', { class: 'save-ago', text: ago(v.server_now_ms - at + elapsed) }));
      } else {
        save.textContent = '—';
      }
    }
  }

  function renderLog() {
    const list = $('log');
    list.textContent = '';
    if (!S.log.length) {
      list.append(el('li', { class: 'muted', text: '暂无记录' }));
      return;
    }
    for (const e of S.log.slice().reverse()) {
      let what = ACTION_NAME[e.action] || e.action;
      if (e.action.startsWith('extra_time:')) what = '延长时间 ' + e.action.split(':')[1] + ' 分钟';
      list.append(el('li', { class: 'log-entry', 'data-action': e.action.split(':')[0] },
        el('span', { class: 'log-time mono', text: clock(e.at_ms) }),
        el('span', { class: 'log-what' }, el('strong', { text: what }), e.ticket ? ' · ' + e.ticket : ''),
        e.reason && e.reason !== what ? el('span', { class: 'log-why', text: e.reason }) : null));
    }
  }

  function fillTicketChoices() {
    const select = $('action-ticket');
    const keep = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const s of (S.view ? S.view.seats : [])) {
      select.append(el('option', { value: s.ticket, text: s.seat + ' 号 ' + s.name + '（' + s.ticket + '）' }));
    }
    select.value = keep;
  }

  // ---- actions ------------------------------------------------------------------------------
  const ACTIONS = {
    open: {
      title: '确认开放考场', reason: false,
      text: () => '开放后，本考场已登录并在等待页的考生自动入场，之后登录的考生阅读须知后入场。试卷在 ' + S.view.schedule.starts
        + ' 统一发放，全体考生 ' + S.view.schedule.ends + ' 统一交卷；' + S.view.schedule.cutoff + ' 后不得入场，未入场的考生记为缺考。',
      call: () => api('POST', roomPath('/open')),
      done: () => '考场已开放',
    },
    pauseRoom: {
      title: '全场暂停', reason: true,
      text: () => '暂停本考场所有正在答题的考生，计时同时停止。',
      call: (why) => api('POST', roomPath('/pause'), { reason: why }),
      done: (b) => '已暂停 ' + b.changed + ' 名考生',
    },
    resumeRoom: {
      title: '全场恢复', reason: true,
      text: () => '恢复本考场所有已暂停的考生，暂停期间的时间不计入考试时间。',
      call: (why) => api('POST', roomPath('/resume'), { reason: why }),
      done: (b) => '已恢复 ' + b.changed + ' 名考生',
    },
    pause: {
      title: '暂停考生', reason: true,
      text: (s) => '暂停 ' + s.seat + ' 号 ' + s.name + '（' + s.ticket + '）的考试，其计时停止，页面显示“考试已暂停”。',
      call: (why, s) => api('POST', '/api/proctor/candidates/' + encodeURIComponent(s.ticket) + '/pause', { reason: why }),
      done: (b, s) => '已暂停 ' + s.name,
    },
    resume: {
      title: '恢复考生', reason: true,
      text: (s) => '恢复 ' + s.seat + ' 号 ' + s.name + '（' + s.ticket + '）的考试，暂停期间不计时。',
      call: (why, s) => api('POST', '/api/proctor/candidates/' + encodeURIComponent(s.ticket) + '/resume', { reason: why }),
      done: (b, s) => '已恢复 ' + s.name,
    },
    extra: {
      title: '延长考试时间', reason: true, minutes: true,
      text: (s) => '为 ' + s.seat + ' 号 ' + s.name + '（' + s.ticket + '）延长考试时间（如经批准的特殊需要、设备故障耽误的时间）。',
      call: (why, s, minutes) => api('POST', '/api/proctor/candidates/' + encodeURIComponent(s.ticket) + '/extra-time', { minutes, reason: why }),
      done: (b, s, minutes) => '已为 ' + s.name + ' 延长 ' + minutes + ' 分钟',
    },
    move: {
      title: '允许更换机位', reason: true,
      text: (s) => '允许 ' + s.name + '（' + s.ticket + '）在另一台机位登录继续考试。新机位登录后，原机位将不能再保存答案；已保存的答案和剩余时间不变。',
      call: (why, s) => api('POST', '/api/proctor/candidates/' + encodeURIComponent(s.ticket) + '/allow-move', { reason: why }),
      done: (b, s) => '已允许 ' + s.name + ' 更换机位',
    },
    incident: {
      title: '记录考场事件', reason: true, ticket: true,
      text: () => '记录考场内发生的情况（如设备故障、违纪、考生身体不适），将写入考场记录。',
      call: (why, s, minutes, ticket) => api('POST', roomPath('/incidents'), { reason: why, ticket: ticket || null }),
      done: () => '已记录',
    },
  };

  function openAction(kind, seat) {
    const a = ACTIONS[kind];
    S.action = { kind, seat: seat || null };
    $('action-title').textContent = a.title;
    $('action-text').textContent = a.text(seat || {});
    $('minutes-field').hidden = !a.minutes;
    $('ticket-field').hidden = !a.ticket;
    $('action-reason').closest('.field').hidden = !a.reason;
    $('action-reason').value = '';
    $('action-minutes').value = '10';
    $('action-ticket').value = seat && a.ticket ? seat.ticket : '';
    $('action-error').hidden = true;
    $('action-confirm').textContent = kind === 'open' ? '确认开放' : '确定';
    $('action-dialog').showModal();
    (a.minutes ? $('action-minutes') : a.reason ? $('action-reason') : $('action-confirm')).focus();
  }

  async function confirmAction(ev) {
    ev.preventDefault();
    const { kind, seat } = S.action || {};
    if (!kind) return;
    const a = ACTIONS[kind];
    const why = $('action-reason').value.trim();
    const minutes = parseInt($('action-minutes').value, 10);
    const ticket = $('action-ticket').value;
    const fail = (text) => {
      $('action-error').textContent = text;
      $('action-error').hidden = false;
    };
    if (a.reason && !why) { fail('请填写原因，它将记入考场记录。'); $('action-reason').focus(); return; }
    if (a.minutes && !(minutes >= 1 && minutes <= 180)) { fail('延长时间应为 1–180 分钟。'); return; }
    const btn = $('action-confirm');
    btn.disabled = true;
    try {
      const res = await a.call(why, seat, minutes, ticket);
      if (res.status === 200) {
        $('action-dialog').close();
        toast(a.done(res.body, seat, minutes), true);
        await refresh();
      } else if (res.status === 401) {
        location.assign('/staff-login');
      } else {
        fail(errorText(res));
      }
    } catch (e) {
      fail('无法连接服务器，操作未完成，请重试。');
    } finally {
      btn.disabled = false;
    }
  }

  // ---- wiring -------------------------------------------------------------------------------
  $('open-room-btn').addEventListener('click', () => openAction('open'));
  $('pause-room-btn').addEventListener('click', () => openAction('pauseRoom'));
  $('resume-room-btn').addEventListener('click', () => openAction('resumeRoom'));
  $('incident-btn').addEventListener('click', () => openAction('incident'));
  $('action-form').addEventListener('submit', confirmAction);
  $('action-cancel').addEventListener('click', () => $('action-dialog').close());
  $('room-select').addEventListener('change', () => {
    const [event, ...rest] = $('room-select').value.split('|');
    const room = rest.join('|');
    const r = S.rooms.find((x) => String(x.event) === event && x.room === room);
    if (!r) return;
    S.pick = { event: r.event, room: r.room, eventName: r.eventName };
    try { localStorage.setItem('kaowu.proctor.room', r.event + '|' + r.room); } catch (e) { /* ignore */ }
    refresh();
  });
  setInterval(tickTimes, 1000);

  (async function boot() {
    for (;;) {
      try {
        if (await loadRooms()) break;
      } catch (e) {
        setSync(false, '与服务器断开，正在重试');
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
    refresh();
  })();
})();
