/* The exam office's console (考务管理): the events with where each stands and what it needs
   next; creating an event (with its schedule), publishing a draft, checking then importing the
   roster (.xlsx or CSV; the passwords are downloaded once, as CSV), proctors and graders, the
   results and their release, key corrections previewed before they are made, appeals, the audit
   log, and the staff accounts. Everything goes through the JSON API; nothing here decides a
   rule — the server says what is allowed and why. */
(function () {
  'use strict';
  const { api, el, errorText, message, toast } = window.Kaowu;
  const $ = (id) => document.getElementById(id);
  const S = { events: [], chosen: null, staff: [], audit: [], results: null, rosterFile: null, correction: null, bank: null, bankSpec: 'demo', item: null, shown: null };

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
    $('link-tickets').href = '/api/office/events/' + id + '/tickets.pdf';
    const byRoom = $('room-tickets');
    byRoom.textContent = '';
    if (e.rooms.length > 1) {
      byRoom.append('按考场：');
      e.rooms.forEach((r, k) => {
        if (k) byRoom.append(' · ');
        byRoom.append(el('a', { href: '/api/office/events/' + id + '/tickets.pdf?room=' + encodeURIComponent(r), text: r }));
      });
    }
    // A newly chosen event (clicked, or just created) gets its own panels; the 15-second refresh
    // of the same event leaves forms and previews as they are.
    const fresh = scroll || S.shown !== id;
    S.shown = id;
    if (scroll) $('event-detail').scrollIntoView({ behavior: 'smooth', block: 'start' });
    if (fresh) {
      for (const box of ['roster-error', 'roster-done', 'release-error', 'release-done', 'kc-error', 'kc-done', 'ap-error', 'ap-done', 'proctor-error', 'grader-error']) message($(box), '');
      $('roster-preview').hidden = true;
      if (S.issued && S.issued.event !== id) { S.issued = null; $('slips-btn').hidden = true; }
      $('kc-report').hidden = true;
      $('print-progress').hidden = true;
      message($('print-error'), '');
      fillRooms(e);
      await Promise.all([loadProctors(id), loadGraders(id), loadPolicy(id), loadAudit(id)]);
    }
    await loadResults(id);
  }

  const beijing = (ms) => new Date(ms).toLocaleString('zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });

  async function loadResults(id) {
    const res = await api('GET', '/api/office/events/' + id + '/results');
    const table = $('results-table');
    if (res.status !== 200) {
      $('results-summary').textContent = errorText(res, '暂无成绩');
      table.hidden = true;
      S.results = null;
      return;
    }
    const r = res.body;
    S.results = r;
    $('results-summary').textContent = '考生 ' + r.candidates + ' 名：成绩完成 ' + r.complete + '，未完成 ' + r.incomplete + '，缺考或未入场 ' + r.absent
      + (r.released_ms ? '。成绩已于 ' + beijing(r.released_ms) + ' 发布' : '。成绩尚未发布');
    $('release-btn').disabled = !r.candidates;
    const rooms = [...new Set(r.results.map((c) => c.room))];
    const roomSelect = $('rf-room');
    const keep = roomSelect.value;
    roomSelect.textContent = '';
    roomSelect.append(el('option', { value: '', text: '全部考场' }));
    for (const room of rooms) roomSelect.append(el('option', { value: room, text: room }));
    if (rooms.includes(keep)) roomSelect.value = keep;
    renderResults();
    table.hidden = r.results.length === 0;
  }

  /** What the table says of one candidate: the status and the verdict. Before the late-entry
      cut-off nobody is absent yet: they have not sat, and have no result. */
  function described(r, c) {
    const notYet = !r.absent_final && c.status === 'absent';
    const status = notYet ? '未入场' : ({ complete: '已完成', incomplete: '未完成', absent: '缺考' }[c.status] || c.status);
    const verdict = notYet || c.passed === null || c.passed === undefined ? '—' : c.passed ? '合格' : '不合格';
    return { status, verdict };
  }

  function renderResults() {
    const r = S.results;
    const rows = $('results-rows');
    rows.textContent = '';
    if (!r) return;
    const q = $('rf-search').value.trim().toLowerCase();
    const room = $('rf-room').value;
    const want = $('rf-verdict').value;
    // A module's (or the open part's) score below a figure: who is weak where.
    const part = $('rf-module').value;
    const below = $('rf-below').value.trim() === '' ? null : Number($('rf-below').value);
    const partScore = (c) => {
      if (part === 'open') return Number(c.open_total);
      const m = (c.modules || []).find((x) => String(x.module) === part);
      return m ? Number(m.points) : 0;
    };
    const shown = r.results.filter((c) => (!q || c.ticket.toLowerCase().includes(q) || c.name.includes(q))
      && (!part || below === null || !Number.isFinite(below) || (c.status !== 'absent' && partScore(c) < below))
      && (!room || c.room === room)
      && (!want || (want === 'pass' && c.passed === true) || (want === 'fail' && c.passed === false && c.status !== 'absent')
        || (want === 'incomplete' && c.status === 'incomplete') || (want === 'absent' && c.status === 'absent')));
    for (const c of shown) {
      const d = described(r, c);
      rows.append(el('tr', { 'data-ticket': c.ticket },
        el('td', { class: 'mono', text: c.ticket }), el('td', { text: c.name }), el('td', { text: c.room }),
        el('td', { text: d.status }), el('td', { class: 'num', text: String(c.objective) }),
        el('td', { class: 'num', text: String(c.open_total) }), el('td', { class: 'num', text: String(c.total) }),
        el('td', { text: d.verdict }),
        el('td', {}, el('button', { type: 'button', class: 'btn btn-secondary btn-small', text: '查看', 'data-act': 'candidate', onclick: () => showCandidate(c) }))));
    }
    $('rf-count').textContent = shown.length === r.results.length ? '共 ' + shown.length + ' 名' : '显示 ' + shown.length + ' / ' + r.results.length + ' 名';
  }

  /** A save's slot as the office reads it ("7" → 第 7 题, "open-3" → 开放题第 3 题). */
  function slotName(slot) {
    if (/^\d+$/.test(slot)) return '第 ' + slot + ' 题';
    if (slot === 'open') return '开放题选择';
    if (slot === 'flags') return '标记待查';
    const m = /^open-(\d+)$/.exec(slot);
    return m ? '开放题第 ' + m[1] + ' 题' : slot;
  }

  function outcomeName(outcome) {
    if (outcome === 'saved') return '已保存';
    if (outcome === 'stale') return '已有更新的保存（忽略）';
    return outcome.startsWith('refused: ') ? '拒绝：' + outcome.slice(9) : outcome;
  }

  /** One candidate: their result, and every save their browser sent (for an appeal). */
  async function showCandidate(c) {
    const d = described(S.results, c);
    $('cc-title').textContent = c.name + '（' + c.ticket + '）';
    const open = (c.open || []).map((o) => '第 ' + o.no + ' 题 ' + (o.mark === null || o.mark === undefined ? '未评定' : o.mark + ' 分')).join('，');
    $('cc-summary').textContent = c.room + ' · ' + d.status + ' · 单选 ' + c.single + ' 分，多选 ' + c.multi + ' 分，开放题 ' + (open || '—')
      + ' · 总分 ' + c.total + ' 分 · ' + d.verdict;
    const rows = $('cc-rows');
    rows.textContent = '';
    $('candidate-card').hidden = false;
    const res = await api('GET', '/api/office/candidates/' + encodeURIComponent(c.ticket) + '/save-log');
    if (res.status !== 200) { rows.append(el('tr', {}, el('td', { colspan: '5', class: 'muted', text: errorText(res) }))); return; }
    if (!res.body.length) rows.append(el('tr', {}, el('td', { colspan: '5', class: 'muted', text: '没有保存记录（未开始作答）' })));
    for (const l of res.body) {
      const value = l.value === '' ? '（清空）' : l.slot.startsWith('open-') && l.value.length > 60 ? l.value.slice(0, 60) + '…（共 ' + l.value.length + ' 字）' : l.value;
      rows.append(el('tr', {},
        el('td', { class: 'nowrap', text: beijing(l.received_ms) }), el('td', { class: 'num', text: String(l.seq) }),
        el('td', { text: slotName(l.slot) }), el('td', { text: value }), el('td', { text: outcomeName(l.outcome) })));
    }
    $('candidate-card').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
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

  /** Sends a chosen file to `url` as it is; the reply's status and JSON body. */
  async function sendFile(url, file) {
    const response = await fetch(url, {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
      body: await file.arrayBuffer(),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  /** Sends the chosen roster file to the chosen event's `path`. */
  const sendRoster = (path, file) => sendFile('/api/office/events/' + S.chosen + path, file);

  async function checkRoster(ev) {
    ev.preventDefault();
    message($('roster-error'), '');
    message($('roster-done'), '');
    $('roster-preview').hidden = true;
    const file = $('roster-file').files[0];
    if (!file) { message($('roster-error'), '请先选择名单文件（.xlsx 或 CSV）'); return; }
    const button = $('roster-check');
    button.disabled = true;
    try {
      const res = await sendRoster('/roster/check', file);
      if (res.status !== 200) { message($('roster-error'), (res.body && res.body.error) || '检查失败，请重试'); return; }
      const p = res.body;
      S.rosterFile = file;
      $('roster-summary').textContent = file.name + '：考生 ' + p.candidates + ' 名，没有发现问题（' + p.rooms.map((r) => r.room + ' ' + r.candidates + ' 人').join('，') + '）。'
        + (p.candidates > p.first.length ? '下表为前 ' + p.first.length + ' 行。' : '');
      const rows = $('roster-rows');
      rows.textContent = '';
      for (const r of p.first) {
        rows.append(el('tr', {}, el('td', { class: 'num', text: String(r.row) }), el('td', { class: 'mono', text: r.ticket }),
          el('td', { text: r.name }), el('td', { text: r.room }), el('td', { text: r.seat })));
      }
      $('roster-preview').hidden = false;
    } catch (e) {
      message($('roster-error'), '与服务器的连接中断，请重试');
    } finally {
      button.disabled = false;
    }
  }

  async function importRoster() {
    message($('roster-error'), '');
    const file = S.rosterFile;
    if (!file) return;
    const button = $('roster-submit');
    button.disabled = true;
    try {
      const res = await sendRoster('/roster', file);
      if (res.status !== 200) { message($('roster-error'), (res.body && res.body.error) || '导入失败，请重试'); return; }
      $('roster-preview').hidden = true;
      message($('roster-done'), '已导入 ' + res.body.imported + ' 名考生。初始密码只显示这一次：已下载“考生密码.csv”；请现在打印密码条（离开本页后无法再打印），妥善保管并发给考生。');
      downloadPasswords(res.body.passwords);
      S.issued = { event: S.chosen, passwords: res.body.passwords };
      $('slips-btn').hidden = false;
      S.rosterFile = null;
      $('roster-file').value = '';
      $('roster-name').textContent = '未选择文件';
      await load();
    } catch (e) {
      message($('roster-error'), '与服务器的连接中断，名单未导入，请重试');
    } finally {
      button.disabled = false;
    }
  }

  /** The password slips of the import just made, as a PDF the server lays out (it keeps no
      password in clear, so the page sends back what the import returned). */
  async function printSlips() {
    message($('roster-error'), '');
    if (!S.issued) return;
    const button = $('slips-btn');
    button.disabled = true;
    try {
      const res = await fetch('/api/office/events/' + S.issued.event + '/password-slips.pdf', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/pdf' },
        body: JSON.stringify({ passwords: S.issued.passwords.map((p) => ({ ticket: p.ticket, password: p.password })) }),
      });
      if (res.status !== 200) {
        const body = await res.json().catch(() => null);
        message($('roster-error'), (body && body.error) || '密码条生成失败，请重试');
        return;
      }
      const a = el('a', { href: URL.createObjectURL(await res.blob()), download: '密码条.pdf', id: 'slips-download' });
      document.body.append(a);
      a.click();
      a.remove();
      toast('已生成密码条（' + S.issued.passwords.length + ' 名考生）', true);
    } catch (e) {
      message($('roster-error'), '与服务器的连接中断，密码条未生成，请重试');
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

  // ---- proctors and graders ------------------------------------------------------------------
  function options(select, items, empty) {
    const keep = select.value;
    select.textContent = '';
    if (!items.length) select.append(el('option', { value: '', text: empty }));
    for (const [value, text] of items) select.append(el('option', { value, text }));
    if (items.some(([v]) => v === keep)) select.value = keep;
  }

  function fillRooms(e) {
    options($('proctor-room'), e.rooms.map((r) => [r, r]), '（本场没有考场）');
  }

  function fillStaffChoices() {
    const of = (roles) => S.staff.filter((m) => roles.includes(m.role)).map((m) => [m.username, m.name + '（' + m.username + '）']);
    options($('proctor-user'), of(['proctor']), '（请先新建监考老师账号）');
    options($('grader-user'), of(['grader', 'chief']), '（请先新建阅卷人账号）');
  }

  async function loadProctors(id) {
    const res = await api('GET', '/api/office/events/' + id + '/proctors');
    const list = $('proctor-list');
    list.textContent = '';
    if (res.status !== 200) { list.append(el('li', { class: 'muted', text: errorText(res) })); return; }
    if (!res.body.length) list.append(el('li', { class: 'muted', text: '还没有指派监考老师' }));
    const rooms = new Map();
    for (const p of res.body) rooms.set(p.room, (rooms.get(p.room) || []).concat(p.name + '（' + p.username + '）'));
    for (const [room, who] of rooms) list.append(el('li', {}, el('strong', { text: room }), '：' + who.join('、')));
  }

  async function assignProctor(ev) {
    ev.preventDefault();
    message($('proctor-error'), '');
    const username = $('proctor-user').value;
    const room = $('proctor-room').value;
    if (!username || !room) { message($('proctor-error'), '请选择监考老师和考场'); return; }
    const res = await api('POST', '/api/office/events/' + S.chosen + '/proctors', { username, rooms: [room] });
    if (res.status !== 200) { message($('proctor-error'), errorText(res)); return; }
    toast('已指派 ' + username + ' 监考 ' + room, true);
    await loadProctors(S.chosen);
  }

  async function loadGraders(id) {
    const res = await api('GET', '/api/office/events/' + id + '/assignments');
    const list = $('grader-list');
    list.textContent = '';
    if (res.status !== 200) { list.append(el('li', { class: 'muted', text: errorText(res) })); return; }
    if (!res.body.length) list.append(el('li', { class: 'muted', text: '还没有分配阅卷人' }));
    for (const g of res.body) {
      const scope = g.items.length >= g.open_items ? '全部开放题（' + g.open_items + ' 道）' : g.items.length + ' / ' + g.open_items + ' 道开放题';
      list.append(el('li', {}, el('strong', { text: g.name }), '（' + g.role_name + '，' + g.username + '）：' + scope));
    }
    // The open questions by their stems: the scope of an assignment, and who marks each.
    const q = await api('GET', '/api/office/events/' + id + '/open-questions');
    const scope = $('grader-scope');
    const chosen = scope.value;
    scope.textContent = '';
    scope.append(el('option', { value: '', text: '全部开放题' }));
    const byQuestion = $('open-question-list');
    byQuestion.textContent = '';
    if (q.status !== 200) return;
    for (const o of q.body) {
      scope.append(el('option', { value: o.item_id, text: o.item_id + ' ' + o.stem }));
      byQuestion.append(el('li', {},
        el('span', { class: 'mono', text: o.item_id }), ' ' + o.stem + ' — ',
        o.graders.length ? '阅卷人：' + o.graders.join('、') : el('span', { class: 'text-danger', text: '未分配阅卷人' }),
        '（已交 ' + o.answers + ' 份）'));
    }
    scope.value = chosen;
  }

  // ---- the marking policy: double or single marking, the tolerance, and the rule it follows ------
  async function loadPolicy(id) {
    const res = await api('GET', '/api/office/events/' + id + '/marking-policy');
    if (res.status !== 200) { message($('policy-error'), errorText(res)); return; }
    message($('policy-error'), '');
    $('policy-double').value = String(res.body.double);
    $('policy-tolerance').value = String(res.body.tolerance);
    $('policy-rule').textContent = '最终分：' + res.body.rule + '。已交卷的答卷按交卷时的规则评阅。';
  }

  async function savePolicy(ev) {
    ev.preventDefault();
    message($('policy-error'), '');
    const tolerance = Number($('policy-tolerance').value);
    if ($('policy-tolerance').value.trim() === '' || !Number.isFinite(tolerance)) {
      message($('policy-error'), '请填写误差阈值（0–20 分，以 0.5 分为单位）');
      return;
    }
    const res = await api('POST', '/api/office/events/' + S.chosen + '/marking-policy',
      { double: $('policy-double').value === 'true', tolerance });
    if (res.status !== 200) { message($('policy-error'), errorText(res)); return; }
    toast('阅卷规则已保存', true);
    await loadPolicy(S.chosen);
  }

  async function assignGrader(ev) {
    ev.preventDefault();
    message($('grader-error'), '');
    const username = $('grader-user').value;
    if (!username) { message($('grader-error'), '请选择阅卷人'); return; }
    const itemId = $('grader-scope').value;
    const res = await api('POST', '/api/office/events/' + S.chosen + '/assignments', itemId ? { username, item_id: itemId } : { username });
    if (res.status !== 200) { message($('grader-error'), errorText(res)); return; }
    toast('已分配 ' + username + ' 评阅 ' + (itemId ? '开放题 ' + itemId : res.body.items + ' 道开放题'), true);
    await loadGraders(S.chosen);
  }

  // ---- key corrections: preview, then commit ---------------------------------------------------
  function correction() {
    const accept = $('kc-accept').value.split(/[,，、\s|]+/).map((a) => a.trim().toUpperCase()).filter(Boolean);
    const body = { item_id: $('kc-item').value.trim(), reason: $('kc-reason').value.trim() };
    if ($('kc-void').checked) body.void = true; else body.accept = accept;
    return body;
  }

  async function previewCorrection(ev) {
    ev.preventDefault();
    message($('kc-error'), '');
    message($('kc-done'), '');
    $('kc-report').hidden = true;
    const body = correction();
    if (!body.item_id) { message($('kc-error'), '请填写题目编号'); return; }
    if (!body.void && !body.accept.length) { message($('kc-error'), '请填写更正后的答案，或勾选“作废该题”'); return; }
    if (!body.reason) { message($('kc-error'), '请填写原因'); return; }
    const res = await api('POST', '/api/office/events/' + S.chosen + '/key-corrections', Object.assign({ dry_run: true }, body), 60000);
    if (res.status !== 200) { message($('kc-error'), errorText(res)); return; }
    S.correction = body;
    showReport(res.body);
    $('kc-commit').hidden = false;
  }

  function showReport(r) {
    $('kc-summary').textContent = (r.dry_run ? '预览（尚未更正）：' : '已更正：') + '题目 ' + r.item_id + ' 的答案 ' + r.old_key + ' → ' + r.new_key
      + '。作答 ' + r.responses + ' 份，改分 ' + r.rescored + ' 份；加分 ' + r.gains + ' 人，减分 ' + r.losses + ' 人，合格与否改变 ' + r.verdicts_changed + ' 人。';
    const rows = $('kc-rows');
    rows.textContent = '';
    for (const c of r.changed) {
      rows.append(el('tr', { class: c.old_verdict !== c.new_verdict ? 'verdict-changed' : '' },
        el('td', { class: 'mono', text: c.ticket }), el('td', { text: c.name }),
        el('td', { class: 'num', text: String(c.old_total) }), el('td', { class: 'num', text: String(c.new_total) }),
        el('td', { text: c.old_verdict }), el('td', { text: c.new_verdict })));
    }
    $('kc-report').hidden = false;
  }

  async function commitCorrection() {
    if (!S.correction) return;
    message($('kc-error'), '');
    $('kc-commit').disabled = true;
    try {
      const res = await api('POST', '/api/office/events/' + S.chosen + '/key-corrections', S.correction, 60000);
      if (res.status !== 200) { message($('kc-error'), errorText(res)); return; }
      S.correction = null;
      showReport(res.body);
      $('kc-commit').hidden = true;
      message($('kc-done'), '已更正并重新计分。已发布的成绩需重新发布，考生才会看到新分数。');
      await Promise.all([loadResults(S.chosen), loadAudit(S.chosen)]);
    } finally {
      $('kc-commit').disabled = false;
    }
  }

  // ---- appeals ------------------------------------------------------------------------------
  async function fileAppeal(ev) {
    ev.preventDefault();
    message($('ap-error'), '');
    message($('ap-done'), '');
    const body = { ticket: $('ap-ticket').value.trim(), open_no: Number($('ap-question').value), reason: $('ap-reason').value.trim() };
    if (!body.ticket) { message($('ap-error'), '请填写准考证号'); return; }
    if (!body.reason) { message($('ap-error'), '请填写申诉原因'); return; }
    const res = await api('POST', '/api/office/events/' + S.chosen + '/appeals', body);
    if (res.status !== 200) { message($('ap-error'), errorText(res)); return; }
    message($('ap-done'), '已受理：考生 ' + body.ticket + ' 第 ' + body.open_no + ' 题转入申诉复评。');
    $('ap-reason').value = '';
    await Promise.all([loadResults(S.chosen), loadAudit(S.chosen)]);
  }

  // ---- printing in the background -----------------------------------------------------------
  async function startPrint(ev) {
    ev.preventDefault();
    message($('print-error'), '');
    const body = { what: $('print-what').value };
    const ticket = $('print-ticket').value.trim();
    if (ticket) body.ticket = ticket;
    $('print-start').disabled = true;
    const res = await api('POST', '/api/office/events/' + S.chosen + '/print', body, 60000);
    if (res.status !== 200) { message($('print-error'), errorText(res)); $('print-start').disabled = false; return; }
    $('print-progress').hidden = false;
    $('print-download').hidden = true;
    followPrint(res.body);
  }

  async function followPrint(job) {
    const what = $('print-what').selectedOptions[0].textContent;
    for (;;) {
      $('print-bar').max = Math.max(job.total, 1);
      $('print-bar').value = job.done;
      $('print-count').textContent = what + '：' + job.done + ' / ' + job.total + ' 份' + (job.state === 'ready' ? '，已完成' : '，正在生成…');
      if (job.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 700));
      const res = await api('GET', '/api/office/print-jobs/' + job.job);
      if (res.status !== 200) { message($('print-error'), errorText(res)); break; }
      job = res.body;
    }
    $('print-start').disabled = false;
    if (job.state === 'ready') {
      const a = $('print-download');
      a.href = '/api/office/print-jobs/' + job.job + '/file';
      a.download = job.file_name;
      a.textContent = '下载 ' + job.file_name;
      a.hidden = false;
      if (job.problems.length) message($('print-error'), '以下未能打印：\n' + job.problems.join('\n'));
    } else if (job.state === 'failed') {
      message($('print-error'), '打印失败：' + job.problems.join('\n'));
    }
  }

  // ---- the audit log ------------------------------------------------------------------------
  const ACTIONS = {
    publish: '发布考试', key_correction: '更正答案', release: '发布成绩', export: '导出成绩', appeal: '申诉复评',
    assign_proctor: '指派监考', mark: '评分', reopen_mark: '重开评分', incident: '考场记录', moved_in: '换机',
    unlock_login: '解除锁定', change_password: '修改密码', reset_password: '重置密码',
    create_account: '新建账号', retire_item: '停用题目', reinstate_item: '恢复题目', upload_bank: '上传题库',
    application_state: '报名审核', record_fee: '记录缴费', open_document: '查看报名材料', registration_cities: '开放报名',
    room_place: '设置考场', seat_applicants: '分配考场座位', record_postmark: '记录邮寄日期', certification_decision: '认证决定', certificate_status: '证书状态',
    file_document: '归档材料', export_archive: '导出档案', registration_settings: '报名设置', move_seat: '调整座位',
  };

  async function loadAudit(id) {
    const res = await api('GET', '/api/office/events/' + id + '/audit');
    S.audit = res.status === 200 ? res.body : [];
    const present = [...new Set(S.audit.map((a) => a.action))];
    options($('audit-action'), [['', '全部操作']].concat(present.map((a) => [a, ACTIONS[a] || a])), '全部操作');
    renderAudit();
    const releases = S.audit.filter((a) => a.action === 'release');
    $('release-history').textContent = releases.length
      ? '发布记录：' + releases.map((a) => beijing(a.at_ms) + '（' + a.actor + (a.new_value ? '，' + a.new_value : '') + '）').join('；')
      : '';
  }

  function renderAudit() {
    const actor = $('audit-actor').value.trim().toLowerCase();
    const action = $('audit-action').value;
    const subject = $('audit-subject').value.trim().toLowerCase();
    const shown = S.audit.filter((a) => (!actor || a.actor.toLowerCase().includes(actor))
      && (!action || a.action === action)
      && (!subject || (a.subject + ' ' + a.old_value + ' ' + a.new_value).toLowerCase().includes(subject)));
    const rows = $('audit-rows');
    rows.textContent = '';
    for (const a of shown.slice().reverse()) {
      rows.append(el('tr', {},
        el('td', { class: 'nowrap', text: beijing(a.at_ms) }),
        el('td', { class: 'mono', text: a.actor }), el('td', { text: ACTIONS[a.action] || a.action }),
        el('td', { text: a.subject }), el('td', { text: a.old_value }), el('td', { text: a.new_value }), el('td', { text: a.reason })));
    }
    $('audit-count').textContent = '共 ' + S.audit.length + ' 条' + (shown.length !== S.audit.length ? '，显示 ' + shown.length + ' 条' : '');
  }

  // ---- the bank ---------------------------------------------------------------------------
  const STATUS = { active: '有效', retired: '已停用', draft: '草稿' };

  async function loadBank(ev) {
    if (ev) ev.preventDefault();
    message($('bank-error'), '');
    const spec = $('bank-spec').value.trim();
    if (!spec) { message($('bank-error'), '请填写题库（服务器上的题库目录，或 demo）'); return; }
    const res = await api('GET', '/api/office/bank?bank=' + encodeURIComponent(spec), undefined, 60000);
    if (res.status !== 200) { message($('bank-error'), errorText(res)); $('bank-card').hidden = true; return; }
    const b = res.body;
    S.bank = b;
    S.bankSpec = spec;
    $('bank-summary').textContent = '题库 ' + b.id + '（' + b.name + '）：题目 ' + b.items + ' 道，有效 ' + b.active + ' 道；按 CMQ 蓝图可组 '
      + b.papers_without_repeats + ' 份题目互不重复的试卷（开放题有效 ' + b.open[0] + ' 道，每卷 ' + b.open[1] + ' 道）。';
    const rows = $('coverage-rows');
    rows.textContent = '';
    const cell = (c) => el('td', { class: 'num' + (c[0] < c[1] ? ' short' : ''), text: c[0] + ' / ' + c[1] + ' / ' + c[2] });
    for (const m of b.coverage) {
      rows.append(el('tr', {}, el('td', { text: '第' + m.module + '模块 ' + m.module_name }), cell(m.single), cell(m.multi), el('td', { class: 'num', text: String(m.open) })));
    }
    options($('bf-module'), [['', '全部模块']].concat(b.coverage.map((m) => [String(m.module), '第' + m.module + '模块'])), '全部模块');
    $('bank-card').hidden = false;
    renderBank();
  }

  function renderBank() {
    const b = S.bank;
    if (!b) return;
    const module = $('bf-module').value;
    const kind = $('bf-kind').value;
    const status = $('bf-status').value;
    const q = $('bf-search').value.trim().toLowerCase();
    const shown = b.list.filter((i) => (!module || String(i.module) === module) && (!kind || i.kind_name === kind)
      && (!status || i.status === status) && (!q || i.id.toLowerCase().includes(q) || i.stem.toLowerCase().includes(q)));
    const rows = $('bank-rows');
    rows.textContent = '';
    for (const i of shown.slice(0, 200)) {
      rows.append(el('tr', { 'data-item': i.id, class: i.status === 'retired' ? 'retired' : '' },
        el('td', { class: 'mono', text: i.id }), el('td', { text: '第' + i.module + '模块' }), el('td', { text: i.kind_name }),
        el('td', { text: STATUS[i.status] + (i.changed_by_office ? '（考务办公室）' : '') }), el('td', { text: i.stem }),
        el('td', {}, el('button', { type: 'button', class: 'btn btn-secondary btn-small', text: '预览', 'data-act': 'preview', onclick: () => previewItem(i.id) }))));
    }
    $('bf-count').textContent = '共 ' + b.list.length + ' 道' + (shown.length !== b.list.length ? '，符合条件 ' + shown.length + ' 道' : '')
      + (shown.length > 200 ? '，显示前 200 道' : '');
  }

  function showItem(p) {
    S.item = p.id;
    $('item-title').textContent = p.id + ' · ' + p.kind_name;
    $('item-meta').textContent = '第' + p.module + '模块 ' + p.module_name + ' · ' + STATUS[p.status]
      + (p.knowledge_point ? ' · 知识点：' + p.knowledge_point : '') + (p.difficulty ? ' · 难度 ' + p.difficulty : '');
    $('item-stem').textContent = p.stem;
    const figures = $('item-figures');
    figures.textContent = '';
    p.images.forEach((file, k) => {
      figures.append(el('figure', { class: 'item-figure' },
        el('img', { src: '/api/office/bank/image?bank=' + encodeURIComponent(S.bankSpec) + '&file=' + encodeURIComponent(file), alt: p.id + ' 附图 ' + (k + 1) }),
        el('figcaption', { class: 'muted small', text: '图 ' + (k + 1) + '（' + file + '）' })));
    });
    const list = $('item-options');
    list.textContent = '';
    for (const [label, text] of p.options) {
      list.append(el('li', { class: p.key.includes(label) ? 'correct' : '' }, el('strong', { text: label + '. ' }), text, p.key.includes(label) ? el('span', { class: 'tag tag-info', text: '正确答案' }) : null));
    }
    const rubric = $('item-rubric');
    rubric.textContent = '';
    if (p.rubric.length) {
      rubric.append(el('p', { class: 'small', text: '评分要点：' }));
      const ol = el('ol', { class: 'small' });
      for (const [point, share] of p.rubric) ol.append(el('li', { text: point + '（' + share + ' 分）' }));
      rubric.append(ol);
    }
    $('item-explanation').textContent = p.explanation ? '解析：' + p.explanation : '';
    $('item-note').textContent = p.status_note || '';
    $('item-retire').hidden = p.status === 'retired';
    $('item-reinstate').hidden = p.status !== 'retired';
  }

  async function previewItem(id) {
    message($('item-error'), '');
    $('item-reason').value = '';
    const res = await api('GET', '/api/office/bank/items/' + encodeURIComponent(id) + '?bank=' + encodeURIComponent(S.bankSpec));
    if (res.status !== 200) { message($('bank-error'), errorText(res)); return; }
    showItem(res.body);
    $('item-dialog').showModal();
  }

  async function setRetired(retired) {
    message($('item-error'), '');
    const reason = $('item-reason').value.trim();
    if (!reason) { message($('item-error'), '请填写原因'); return; }
    const res = await api('POST', '/api/office/bank/items/' + encodeURIComponent(S.item) + '/status', { bank: S.bankSpec, retired, reason });
    if (res.status !== 200) { message($('item-error'), errorText(res)); return; }
    showItem(res.body);
    toast(retired ? '已停用 ' + S.item + '：新考试不再抽取' : '已恢复启用 ' + S.item, true);
    await loadBank();
  }

  // ---- staff --------------------------------------------------------------------------------
  async function loadStaff() {
    const res = await api('GET', '/api/office/staff');
    if (res.status !== 200) { message($('staff-error'), errorText(res)); return; }
    S.staff = res.body;
    const rows = $('staff-rows');
    rows.textContent = '';
    for (const m of S.staff) {
      rows.append(el('tr', { 'data-username': m.username },
        el('td', { class: 'mono', text: m.username }), el('td', { text: m.name }), el('td', { text: m.role_name }),
        el('td', { text: m.must_change_password ? '初始密码未修改' : '正常' }),
        el('td', {}, el('button', { type: 'button', class: 'btn btn-secondary btn-small', text: '重置密码', 'data-act': 'reset', onclick: () => resetPassword(m) }))));
    }
    fillStaffChoices();
    await loadStaffAudit();
  }

  // What was done to accounts and the bank outside any event, newest first.
  async function loadStaffAudit() {
    const res = await api('GET', '/api/office/staff/audit');
    const rows = $('staff-audit-rows');
    rows.textContent = '';
    if (res.status !== 200) { rows.append(el('tr', {}, el('td', { colspan: '7', class: 'muted', text: errorText(res) }))); return; }
    if (!res.body.length) rows.append(el('tr', {}, el('td', { colspan: '7', class: 'muted', text: '暂无记录' })));
    for (const a of res.body.slice().reverse()) {
      rows.append(el('tr', {},
        el('td', { class: 'nowrap', text: beijing(a.at_ms) }),
        el('td', { class: 'mono', text: a.actor }), el('td', { text: ACTIONS[a.action] || a.action }),
        el('td', { text: a.subject }), el('td', { text: a.old_value }), el('td', { text: a.new_value }), el('td', { text: a.reason })));
    }
  }

  function showPassword(username, password, what) {
    const box = $('staff-password');
    box.textContent = '';
    box.append(what + '：', el('strong', { text: username }), '，初始密码 ', el('code', { class: 'password', text: password }),
      '（只显示这一次，请当面交给本人；首次登录须修改）');
    box.hidden = false;
    box.scrollIntoView({ behavior: 'smooth', block: 'center' });
  }

  async function resetPassword(m) {
    message($('staff-error'), '');
    if (!window.confirm('为 ' + m.name + '（' + m.username + '）签发新的初始密码？原密码立即失效，已登录的会话结束。')) return;
    const res = await api('POST', '/api/office/staff/' + encodeURIComponent(m.username) + '/reset-password');
    if (res.status !== 200) { message($('staff-error'), errorText(res)); return; }
    showPassword(res.body.username, res.body.password, '已重置密码');
    await loadStaff();
  }

  async function addStaff(ev) {
    ev.preventDefault();
    message($('staff-form-error'), '');
    const body = { username: $('st-username').value.trim(), name: $('st-name').value.trim(), role: $('st-role').value };
    if (!body.username || !body.name) { message($('staff-form-error'), '请填写用户名和姓名'); return; }
    $('staff-confirm').disabled = true;
    try {
      const res = await api('POST', '/api/office/staff', body);
      if (res.status !== 200) { message($('staff-form-error'), errorText(res)); return; }
      $('staff-dialog').close();
      $('st-username').value = '';
      $('st-name').value = '';
      showPassword(res.body.username, res.body.password, '已新建账号');
      await loadStaff();
    } finally {
      $('staff-confirm').disabled = false;
    }
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
  $('roster-form').addEventListener('submit', checkRoster);
  $('roster-submit').addEventListener('click', importRoster);
  $('proctor-form').addEventListener('submit', assignProctor);
  $('grader-form').addEventListener('submit', assignGrader);
  $('policy-form').addEventListener('submit', savePolicy);
  $('kc-form').addEventListener('submit', previewCorrection);
  $('kc-commit').addEventListener('click', commitCorrection);
  $('kc-void').addEventListener('change', () => { $('kc-accept').disabled = $('kc-void').checked; });
  $('appeal-form').addEventListener('submit', fileAppeal);
  $('print-form').addEventListener('submit', startPrint);
  for (const id of ['audit-actor', 'audit-subject']) $(id).addEventListener('input', renderAudit);
  $('audit-action').addEventListener('change', renderAudit);
  $('new-staff-btn').addEventListener('click', () => { message($('staff-form-error'), ''); $('staff-dialog').showModal(); $('st-username').focus(); });
  $('staff-cancel').addEventListener('click', () => $('staff-dialog').close());
  $('staff-form').addEventListener('submit', addStaff);
  $('bank-form').addEventListener('submit', loadBank);
  for (const id of ['bf-module', 'bf-kind', 'bf-status']) $(id).addEventListener('change', renderBank);
  $('bf-search').addEventListener('input', renderBank);
  $('item-close').addEventListener('click', () => $('item-dialog').close());
  $('item-retire').addEventListener('click', () => setRetired(true));
  $('item-reinstate').addEventListener('click', () => setRetired(false));
  $('roster-file').addEventListener('change', () => {
    const f = $('roster-file').files[0];
    $('roster-name').textContent = f ? f.name : '未选择文件';
    $('roster-preview').hidden = true;
    S.rosterFile = null;
  });
  $('release-btn').addEventListener('click', release);
  for (const id of ['rf-search']) $(id).addEventListener('input', renderResults);
  for (const id of ['rf-room', 'rf-verdict', 'rf-module']) $(id).addEventListener('change', renderResults);
  $('rf-below').addEventListener('input', renderResults);
  $('cc-close').addEventListener('click', () => { $('candidate-card').hidden = true; });
  // ---- a candidate of any event ----------------------------------------------------------------
  async function findCandidates(ev) {
    ev.preventDefault();
    message($('find-error'), '');
    const list = $('find-results');
    list.textContent = '';
    list.hidden = true;
    const q = $('find-text').value.trim();
    if (!q) { message($('find-error'), '请输入准考证号、姓名或身份证号'); return; }
    const res = await api('GET', '/api/office/candidates?q=' + encodeURIComponent(q));
    if (res.status !== 200) { message($('find-error'), errorText(res)); return; }
    list.hidden = false;
    if (!res.body.length) { list.append(el('li', { class: 'muted', text: '没有找到“' + q + '”' })); return; }
    for (const c of res.body) {
      list.append(el('li', {},
        el('button', { type: 'button', class: 'btn btn-secondary btn-small', text: '查看', 'data-ticket': c.ticket, onclick: () => openFound(c) }),
        ' ', el('strong', { text: c.name }), '（', el('span', { class: 'mono', text: c.ticket }), '）', ' · ' + c.event_name + ' · ' + c.room + ' ' + c.seat + ' 号 · ' + c.state_name));
    }
  }

  // Opens the candidate's event and their card (result and every save).
  async function openFound(c) {
    await showDetail(c.event_id, true);
    const r = S.results && S.results.results.find((x) => x.ticket === c.ticket);
    if (r) await showCandidate(r);
  }

  // ---- a new bank version, uploaded as a ZIP --------------------------------------------------
  async function uploadBank(ev) {
    ev.preventDefault();
    message($('bank-error'), '');
    message($('bank-upload-done'), '');
    $('bank-problems-wrap').hidden = true;
    const file = $('bank-file').files[0];
    if (!file) { message($('bank-error'), '请先选择题库的 ZIP 文件'); return; }
    const button = $('bank-upload');
    button.disabled = true;
    try {
      const res = await sendFile('/api/office/bank/upload', file);
      const body = res.body;
      if (res.status !== 200 || !body) { message($('bank-error'), (body && body.error) || '上传失败，请重试'); return; }
      if (body.problems.length) {
        const rows = $('bank-problem-rows');
        rows.textContent = '';
        for (const p of body.problems) {
          rows.append(el('tr', {}, el('td', { class: 'mono', text: p.file }), el('td', { class: 'num', text: p.line == null ? '' : String(p.line) }),
            el('td', { class: 'mono', text: p.item || '' }), el('td', { class: 'mono', text: p.field || '' }), el('td', { text: p.message })));
        }
        $('bank-problems-caption').textContent = '《' + file.name + '》有 ' + body.problems.length + ' 处问题，未保存。请改正后重新上传。';
        $('bank-problems-wrap').hidden = false;
        return;
      }
      const b = body.stored;
      message($('bank-upload-done'), (b.new ? '已保存为新版本：' : '该版本已上传过：') + b.name + '（' + b.bank_id + '，' + b.items + ' 道题，可组 ' + b.papers
        + ' 份不重复的试卷），服务器位置 ' + b.path + '。新建考试时在“题库”中填写此位置即使用该版本。');
      $('bank-spec').value = b.path;
      await loadBank();
    } catch (e) {
      message($('bank-error'), '与服务器的连接中断，题库未上传，请重试');
    } finally {
      button.disabled = false;
    }
  }

  // ---- a bank in another format (Excel, Word, QTI, Moodle XML, GIFT): report, then accept ----
  const NOTE_KINDS = [['problems', '问题（未导入）'], ['warnings', '提醒'], ['not_represented', '未能保留']];

  function importQuery(file, accept) {
    const q = new URLSearchParams({ file_name: file.name });
    if ($('import-module').value) q.set('module', $('import-module').value);
    if ($('import-id').value.trim()) q.set('bank_id', $('import-id').value.trim());
    if ($('import-name').value.trim()) q.set('name', $('import-name').value.trim());
    if (accept) q.set('accept', 'true');
    return '/api/office/bank/import?' + q.toString();
  }

  async function importBank(ev, accept) {
    if (ev) ev.preventDefault();
    message($('bank-error'), '');
    message($('bank-upload-done'), '');
    const file = accept ? S.importFile : $('import-file').files[0];
    if (!file) { message($('bank-error'), '请先选择题库文件（.xlsx、.docx、QTI 的 .zip、Moodle 的 .xml 或 GIFT）'); return; }
    const button = accept ? $('import-accept') : $('import-check');
    button.disabled = true;
    try {
      const res = await sendFile(importQuery(file, accept), file);
      const r = res.body;
      if (res.status !== 200 || !r) { message($('bank-error'), (r && r.error) || '导入失败，请重试'); return; }
      S.importFile = file;
      $('import-summary').textContent = '《' + file.name + '》：' + r.summary + '。';
      const rows = $('import-note-rows');
      rows.textContent = '';
      for (const [key, label] of NOTE_KINDS) {
        for (const n of r[key]) {
          rows.append(el('tr', { class: key === 'problems' ? 'short' : '' }, el('td', { text: label }), el('td', { class: 'mono', text: n.file }),
            el('td', { text: n.place }), el('td', { class: 'mono', text: n.item || '' }), el('td', { text: n.field || '' }), el('td', { text: n.message })));
        }
      }
      $('import-notes-wrap').hidden = !rows.children.length;
      $('import-accept').hidden = !!r.stored || r.imported === 0;
      $('import-accept').textContent = '确认导入（保存 ' + r.imported + ' 道题为新版本）';
      $('import-report').hidden = false;
      if (r.stored) {
        const b = r.stored;
        message($('bank-upload-done'), (b.new ? '已保存为新版本：' : '该版本已保存过：') + b.name + '（' + b.bank_id + '，' + b.items + ' 道题，可组 ' + b.papers
          + ' 份不重复的试卷），服务器位置 ' + b.path + '。新建考试时在“题库”中填写此位置即使用该版本。');
        $('bank-spec').value = b.path;
        await loadBank();
      }
    } catch (e) {
      message($('bank-error'), '与服务器的连接中断，题库未导入，请重试');
    } finally {
      button.disabled = false;
    }
  }

  $('bank-import-form').addEventListener('submit', (ev) => importBank(ev, false));
  $('import-accept').addEventListener('click', () => importBank(null, true));
  $('import-file').addEventListener('change', () => {
    const f = $('import-file').files[0];
    if (f) $('import-file-name').textContent = f.name;
    $('import-report').hidden = true;
  });
  for (const a of document.querySelectorAll('#bank-export a')) {
    a.addEventListener('click', (ev) => {
      ev.preventDefault();
      if (!S.bankSpec) return;
      window.location.href = '/api/office/bank/export?bank=' + encodeURIComponent(S.bankSpec) + '&format=' + a.dataset.format;
    });
  }
  $('bank-upload-form').addEventListener('submit', uploadBank);
  $('bank-file').addEventListener('change', () => {
    const f = $('bank-file').files[0];
    if (f) $('bank-file-name').textContent = f.name;
  });
  $('find-form').addEventListener('submit', findCandidates);
  $('slips-btn').addEventListener('click', printSlips);
  load();
  loadStaff();
  setInterval(load, 15000);
})();
