/* The exam office's console (考务管理): the events with where each stands and what it needs
   next; creating an event (with its schedule), publishing a draft, importing the roster (the
   passwords are downloaded once, as CSV), the results and their release. Everything goes
   through the JSON API; nothing here decides a rule — the server says what is allowed and why. */
(function () {
  'use strict';
  const { api, el, errorText, message, toast } = window.Kaowu;
  const $ = (id) => document.getElementById(id);
  const S = { events: [], chosen: null };

  function showError(text) { message($('office-error'), text); }

  // ---- the events ---------------------------------------------------------------------------
  async function load() {
    let res;
    try { res = await api('GET', '/api/office/overview'); } catch (e) { showError('与服务器的连接中断，请稍后刷新'); return; }
    if (res.status === 401) { location.assign('/staff-login'); return; }
    if (res.status !== 200) { showError(errorText(res)); return; }
    showError('');
    S.events = res.body;
    render();
    if (S.chosen !== null) showDetail(S.chosen, false);
  }

  function render() {
    const list = $('events');
    list.textContent = '';
    list.setAttribute('aria-busy', 'false');
    if (!S.events.length) {
      list.append(el('p', { class: 'muted', text: '还没有考试场次。点击“新建考试”开始。' }));
      return;
    }
    for (const e of S.events) {
      const counts = e.candidates
        ? '考生 ' + e.candidates + ' 名 · 作答中 ' + e.under_way + ' · 成绩完成 ' + e.complete + ' · 未完成 ' + e.incomplete + ' · 缺考/未入场 ' + e.absent
        : '尚无考生';
      const actions = el('div', { class: 'row-actions' },
        el('button', { type: 'button', class: 'btn btn-secondary btn-small', text: '详情', 'data-act': 'detail', onclick: () => showDetail(e.id, true) }),
        e.phase === 'draft' ? el('button', { type: 'button', class: 'btn btn-primary btn-small', text: '发布', 'data-act': 'publish', onclick: () => publish(e) }) : null);
      list.append(el('article', { class: 'event-row card', id: 'event-' + e.id, 'data-phase': e.phase },
        el('div', { class: 'event-main' },
          el('h2', { class: 'event-name' }, e.name, e.rehearsal ? el('span', { class: 'tag tag-info', text: '模拟考试' }) : null),
          el('div', { class: 'muted small', text: e.timetable + '（' + e.duration_minutes + ' 分钟）· 考场：' + (e.rooms.join('、') || '—') }),
          el('div', { class: 'small event-counts', text: counts }),
          el('div', { class: 'event-next' }, el('strong', { text: '下一步：' }), e.next_step)),
        el('div', { class: 'event-side' },
          el('span', { class: 'badge phase', 'data-phase': e.phase, text: e.phase_name }),
          actions)));
    }
  }

  async function publish(e) {
    const res = await api('POST', '/api/office/events/' + e.id + '/publish', { bank: e.bank_id });
    if (res.status === 200) { toast('已发布：' + res.body.frozen_items + ' 道题目已冻结'); await load(); }
    else showError(errorText(res));
  }

  // ---- one event ----------------------------------------------------------------------------
  async function showDetail(id, scroll) {
    const e = S.events.find((x) => x.id === id);
    if (!e) return;
    S.chosen = id;
    $('event-detail').hidden = false;
    $('detail-title').textContent = e.name;
    $('detail-phase').textContent = e.phase_name;
    $('detail-phase').dataset.phase = e.phase;
    $('detail-timetable').textContent = e.timetable + '（' + e.duration_minutes + ' 分钟）';
    $('link-analysis').href = '/office/analysis?event=' + id;
    $('link-csv').href = '/api/office/events/' + id + '/results.csv';
    $('link-xlsx').href = '/api/office/events/' + id + '/results.xlsx';
    if (scroll) $('event-detail').scrollIntoView({ behavior: 'smooth', block: 'start' });
    await loadResults(id);
  }

  async function loadResults(id) {
    const res = await api('GET', '/api/office/events/' + id + '/results');
    const table = $('results-table');
    const rows = $('results-rows');
    rows.textContent = '';
    if (res.status !== 200) {
      $('results-summary').textContent = errorText(res, '暂无成绩');
      table.hidden = true;
      return;
    }
    const r = res.body;
    $('results-summary').textContent = '考生 ' + r.candidates + ' 名：成绩完成 ' + r.complete + '，未完成 ' + r.incomplete + '，缺考或未入场 ' + r.absent
      + (r.released_ms ? '。成绩已于 ' + new Date(r.released_ms).toLocaleString('zh-CN', { hour12: false }) + ' 发布' : '。成绩尚未发布');
    $('release-btn').disabled = !r.candidates;
    for (const c of r.results) {
      const status = { complete: '已完成', incomplete: '未完成', absent: '缺考' }[c.status] || c.status;
      const verdict = c.passed === null || c.passed === undefined ? '—' : c.passed ? '合格' : '不合格';
      rows.append(el('tr', { 'data-ticket': c.ticket },
        el('td', { class: 'mono', text: c.ticket }), el('td', { text: c.name }), el('td', { text: c.room }),
        el('td', { text: status }), el('td', { class: 'num', text: String(c.objective) }),
        el('td', { class: 'num', text: String(c.open_total) }), el('td', { class: 'num', text: String(c.total) }),
        el('td', { text: verdict })));
    }
    table.hidden = r.results.length === 0;
  }

  async function release() {
    message($('release-error'), '');
    message($('release-done'), '');
    const res = await api('POST', '/api/office/events/' + S.chosen + '/release');
    if (res.status === 200) {
      message($('release-done'), '成绩已发布：考生登录后即可查看。');
      await load();
    } else {
      message($('release-error'), errorText(res));
    }
  }

  async function importRoster(ev) {
    ev.preventDefault();
    message($('roster-error'), '');
    message($('roster-done'), '');
    const file = $('roster-file').files[0];
    if (!file) { message($('roster-error'), '请先选择名单文件（CSV）'); return; }
    const button = $('roster-submit');
    button.disabled = true;
    try {
      const response = await fetch('/api/office/events/' + S.chosen + '/roster', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'text/csv', Accept: 'application/json' },
        body: await file.arrayBuffer(),
      });
      const body = await response.json().catch(() => null);
      if (response.status !== 200) {
        message($('roster-error'), (body && body.error) || '导入失败，请重试');
        return;
      }
      message($('roster-done'), '已导入 ' + body.imported + ' 名考生。初始密码只显示这一次：已下载“考生密码.csv”，请妥善保管并打印发给考生。');
      downloadPasswords(body.passwords);
      $('roster-file').value = '';
      $('roster-name').textContent = '未选择文件';
      await load();
    } catch (e) {
      message($('roster-error'), '与服务器的连接中断，名单未导入，请重试');
    } finally {
      button.disabled = false;
    }
  }

  /** The issued passwords as a CSV Excel opens (UTF-8 with a byte-order mark). */
  function downloadPasswords(passwords) {
    const esc = (v) => '"' + String(v).replace(/"/g, '""') + '"';
    const lines = ['准考证号,姓名,考场,座位,初始密码'].concat(passwords.map((p) => [p.ticket, p.name, p.room, p.seat, p.password].map(esc).join(',')));
    const blob = new Blob(['\ufeff' + lines.join('\r\n') + '\r\n'], { type: 'text/csv;charset=utf-8' });
    const a = el('a', { href: URL.createObjectURL(blob), download: '考生密码.csv' });
    document.body.append(a);
    a.click();
    a.remove();
  }

  // ---- a new event --------------------------------------------------------------------------
  function openNewEvent() {
    message($('event-error'), '');
    if (!$('ev-date').value) {
      const d = new Date(Date.now() + 7 * 86400000 + 8 * 3600000);
      $('ev-date').value = d.toISOString().slice(0, 10);
    }
    $('event-dialog').showModal();
    $('ev-name').focus();
  }

  const num = (id) => ($(id).value.trim() === '' ? null : Number($(id).value));

  async function createEvent(ev) {
    ev.preventDefault();
    const rooms = $('ev-rooms').value.split(/[,，、\s]+/).map((r) => r.trim()).filter(Boolean);
    if (!$('ev-name').value.trim()) { message($('event-error'), '请填写考试名称'); return; }
    if (!$('ev-date').value || !$('ev-time').value) { message($('event-error'), '请填写开考日期和时间'); return; }
    if (!rooms.length) { message($('event-error'), '请至少填写一个考场'); return; }
    const body = {
      name: $('ev-name').value.trim(),
      starts_at: $('ev-date').value + 'T' + $('ev-time').value + ':00+08:00',
      rooms,
      bank: $('ev-bank').value.trim(),
      multi_policy: $('ev-policy').value,
      pass_mark: num('ev-pass'),
      min_objective: num('ev-min-objective'),
      min_open: num('ev-min-open'),
      late_entry_minutes: num('ev-late'),
      open_before_minutes: num('ev-before'),
      rehearsal_minutes: num('ev-rehearsal'),
      draft: $('ev-draft').checked,
    };
    if ($('ev-mode').value === 'forms') body.forms = num('ev-forms');
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    $('event-confirm').disabled = true;
    try {
      const res = await api('POST', '/api/office/events', body, 60000);
      if (res.status !== 200 && res.status !== 201) { message($('event-error'), errorText(res)); return; }
      $('event-dialog').close();
      toast('已创建考试：' + body.name);
      S.chosen = res.body.id;
      await load();
    } finally {
      $('event-confirm').disabled = false;
    }
  }

  $('new-event-btn').addEventListener('click', openNewEvent);
  $('event-cancel').addEventListener('click', () => $('event-dialog').close());
  $('event-form').addEventListener('submit', createEvent);
  $('ev-mode').addEventListener('change', () => { $('ev-forms-field').hidden = $('ev-mode').value !== 'forms'; });
  $('roster-form').addEventListener('submit', importRoster);
  $('roster-file').addEventListener('change', () => {
    const f = $('roster-file').files[0];
    $('roster-name').textContent = f ? f.name : '未选择文件';
  });
  $('release-btn').addEventListener('click', release);
  load();
  setInterval(load, 15000);
})();
