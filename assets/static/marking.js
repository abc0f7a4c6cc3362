/* The grader's marking page: takes one answer at a time from the queue (blind — the API sends
   the question, its rubric and the answer text, nothing about the candidate), records the mark
   and comment, and takes the next. */
(function () {
  'use strict';
  const { api, el, clock, errorText, message, toast } = window.Kaowu;
  const $ = (id) => document.getElementById(id);
  const main = $('main');
  const EVENT = main.dataset.event;
  const QUICK = [0, 5, 8, 10, 12, 14, 15, 16, 18, 20];
  // The chief's dashboard: the graders as last read, and the column they are sorted by.
  let graders = [];
  let sortKey = null;
  let sortDir = 1;

  if (main.dataset.view === 'dashboard') { dashboard(); return; }

  const S = { task: null, busy: false, done: 0 };

  function showError(text) { message($('marking-error'), text); }

  // ---- the chief grader's progress page --------------------------------------------------------
  function num(x, digits) {
    return x === null || x === undefined ? '—' : Number(x).toFixed(digits);
  }

  function fill(tbody, rows, cols, emptyText) {
    tbody.textContent = '';
    if (!rows.length) {
      tbody.append(el('tr', {}, el('td', { colspan: String(cols), class: 'muted', text: emptyText })));
      return;
    }
    for (const r of rows) tbody.append(r);
  }

  // How long something has waited, as a person says it.
  function age(ms) {
    const min = Math.max(0, Math.floor(ms / 60000));
    if (min < 1) return '不到 1 分钟';
    if (min < 60) return min + ' 分钟';
    return Math.floor(min / 60) + ' 小时 ' + (min % 60) + ' 分钟';
  }

  // The graders' table, sorted by the chosen column (a missing figure sorts last).
  function drawGraders() {
    const rows = graders.slice();
    if (sortKey) {
      rows.sort((a, b) => {
        const x = a[sortKey];
        const y = b[sortKey];
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === 'string' ? x.localeCompare(y, 'zh-CN') : x - y) * sortDir;
      });
    }
    for (const th of document.querySelectorAll('#graders th[data-sort]')) {
      th.setAttribute('aria-sort', th.dataset.sort === sortKey ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
    }
    fill($('grader-rows'), rows.map((g) => el('tr', { 'data-grader': String(g.grader_id) },
      el('td', { text: g.name }),
      el('td', { class: 'num', text: String(g.count) }),
      el('td', { class: 'num', text: num(g.mean, 2) }),
      el('td', { class: 'num', text: num(g.sd, 2) }),
      el('td', { class: 'num', text: g.agreement === null ? '—' : Math.round(g.agreement * 100) + '%' }),
      el('td', { class: 'num', text: signed(g.mean_difference) }),
      el('td', { class: 'num', text: g.median_ms === null ? '—' : seconds(g.median_ms) }),
      el('td', { class: 'num', text: g.third_share === null ? '—' : Math.round(g.third_share * 100) + '%' }),
      el('td', { class: 'num', text: String(g.control_count) }),
      el('td', { class: 'num', text: signed(g.control_deviation) }),
      el('td', { class: 'num', text: num(g.control_abs_deviation, 2) }),
      el('td', {}, el('button', { type: 'button', class: 'btn btn-secondary btn-small reopen-grader', 'data-grader': String(g.grader_id), 'data-name': g.name, text: '重评其全部评分' })))),
      12, '尚无评分');
  }

  // A difference with its sign: + lenient, − harsh.
  function signed(x) {
    return x === null || x === undefined ? '—' : (x > 0 ? '+' : '') + num(x, 2);
  }

  // The control answers, and the question list of the form that plants one (kept as chosen).
  function drawControls(d) {
    const select = $('control-item');
    const chosen = select.value;
    select.textContent = '';
    if (!d.questions.length) select.append(el('option', { value: '', text: '（尚无开放式试题答卷）' }));
    for (const q of d.questions) select.append(el('option', { value: q.item_id, text: q.item_id + '　' + q.stem }));
    if (chosen) select.value = chosen;
    fill($('control-rows'), d.controls.map((c) => el('tr', { 'data-control': String(c.id) },
      el('td', { class: 'mono', text: String(c.id) }),
      el('td', { class: 'mono', text: c.item_id }),
      el('td', { class: 'stem-cell', text: c.answer }),
      el('td', { class: 'num', text: String(c.agreed_mark) }),
      el('td', { class: 'num', text: c.marked + ' / ' + c.planted_for }),
      el('td', { text: c.marks.length ? c.marks.map((m) => m.name + ' ' + m.mark + ' 分（' + (m.deviation > 0 ? '+' : '') + m.deviation + '）').join('；') : '尚未评' }))),
      6, '尚未投放质检卷');
  }

  async function plantControl(refresh) {
    const item = $('control-item').value;
    const answer = $('control-answer').value.trim();
    const mark = $('control-mark').value.trim();
    const error = $('control-error');
    if (!item) { message(error, '请选择试题'); $('control-item').focus(); return; }
    if (!answer) { message(error, '请填写质检答卷内容'); $('control-answer').focus(); return; }
    if (mark === '' || !Number.isFinite(Number(mark))) { message(error, '请填写约定分数（0–20 分，0.5 分为单位）'); $('control-mark').focus(); return; }
    const res = await api('POST', '/api/marking/events/' + EVENT + '/controls', { item_id: item, answer, agreed_mark: Number(mark) });
    if (res.status !== 200) { message(error, errorText(res, '投放质检卷失败')); return; }
    message(error, '');
    toast('质检卷已投放给 ' + res.body.graders + ' 位阅卷人', true);
    $('control-answer').value = '';
    $('control-mark').value = '';
    await refresh();
  }

  function seconds(ms) {
    const s = Math.round(ms / 1000);
    return s < 60 ? s + ' 秒' : Math.floor(s / 60) + ' 分 ' + (s % 60) + ' 秒';
  }

  async function reopenGrader(id, name, refresh) {
    const reason = $('reopen-reason').value.trim();
    message($('reopen-error'), '');
    if (!reason) { message($('reopen-error'), '请先填写重评原因，再重评“' + name + '”的全部评分'); $('reopen-reason').focus(); return; }
    const res = await api('POST', '/api/marking/events/' + EVENT + '/graders/' + id + '/reopen', { reason });
    if (res.status !== 200) { message($('reopen-error'), errorText(res, '重评失败')); return; }
    message($('reopen-error'), '');
    toast('已重开“' + name + '”的 ' + res.body.reopened + ' 项评分，答卷将交由其他阅卷人重评', true);
    $('reopen-reason').value = '';
    await refresh();
  }

  function dashboard() {
    if (!EVENT) return;
    for (const th of document.querySelectorAll('#graders th[data-sort]')) {
      th.tabIndex = 0;
      const sort = () => {
        sortDir = sortKey === th.dataset.sort ? -sortDir : 1;
        sortKey = th.dataset.sort;
        drawGraders();
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    }
    $('grader-rows').addEventListener('click', (e) => {
      const b = e.target.closest('.reopen-grader');
      if (b) reopenGrader(b.dataset.grader, b.dataset.name, refresh);
    });
    $('reopen-form').addEventListener('submit', (e) => e.preventDefault());
    $('control-form').addEventListener('submit', (e) => { e.preventDefault(); plantControl(refresh); });
    for (const [id, even] of [['share-even', true], ['share-free', false]]) {
      $(id).addEventListener('click', async () => {
        const res = await api('POST', '/api/marking/events/' + EVENT + '/shares', { even });
        if (res.status !== 200) { message($('share-error'), errorText(res, '设置答卷分配失败')); return; }
        message($('share-error'), '');
        toast(even ? '已平均分配：' + res.body.map((s) => s.item_id + ' ' + s.graders + ' 人各 ' + (s.least === s.most ? s.most : s.least + '–' + s.most) + ' 份').join('，') : '已改为自由领取', true);
        await refresh();
      });
    }
    const STATUS_NAME = { marking: '评阅中', disputed: '待仲裁', appeal: '申诉复评', final: '已定分' };
    async function refresh() {
      try {
        const res = await api('GET', '/api/marking/events/' + EVENT + '/dashboard');
        if (res.status === 401 || res.status === 403) { location.assign('/staff-login'); return; }
        if (res.status !== 200) { showError(errorText(res, '载入阅卷进度失败')); return; }
        showError('');
        const d = res.body;
        fill($('question-rows'), d.questions.map((q) => el('tr', {},
          el('td', { class: 'mono', text: q.item_id }),
          el('td', { class: 'stem-cell', text: q.stem }),
          ...[q.answers, q.unmarked, q.marked_once, q.marked_twice, q.disputed, q.appeal, q.final_, q.in_progress]
            .map((n) => el('td', { class: 'num', text: String(n) })),
          el('td', { text: q.handed_out ? '平均分配（' + q.handed_out + ' 份待评）' : '自由领取' }))), 11, '暂无开放式试题答卷');
        const even = d.questions.some((q) => q.handed_out > 0);
        $('share-mode').textContent = '答卷分配：' + (even ? '平均分配' : '自由领取（评完一份领一份）');
        graders = d.graders;
        drawGraders();
        drawControls(d);
        fill($('disputed-rows'), d.disputed.map((a) => el('tr', {},
          el('td', { class: 'mono', text: String(a.answer) }),
          el('td', { text: a.item_id }),
          el('td', {}, el('span', { class: 'tag', text: STATUS_NAME[a.status] || a.status })),
          el('td', { text: a.marks.map((m) => m[1] + ' ' + m[3] + ' 分' + (m[4] ? '（已重评）' : '')).join('；') }),
          el('td', { class: 'num', text: a.waiting_since_ms === null ? '—' : age(d.now_ms - a.waiting_since_ms) }),
          el('td', { text: a.waiting_for || '—' }))),
          6, '暂无待仲裁或申诉的答卷');
        $('refreshed').textContent = '更新于 ' + clock(Date.now());
      } catch (e) {
        showError('无法连接服务器，正在重试…');
      }
    }
    refresh();
    setInterval(refresh, 10000);
  }

  function show(which) {
    $('loading').hidden = which !== 'loading';
    $('empty').hidden = which !== 'empty';
    $('task').hidden = which !== 'task';
    $('round').hidden = which !== 'task';
  }

  function render(t) {
    $('round').textContent = t.round;
    $('lease').textContent = '请于 ' + clock(t.lease_expires_ms) + ' 前提交，逾时答卷将交由他人评阅';
    $('question').textContent = t.question;
    const figures = $('question-figures');
    figures.textContent = '';
    (t.images || []).forEach((src, k) => {
      figures.append(el('figure', { class: 'item-figure' }, el('img', { src, alt: '题目附图 ' + (k + 1) }),
        el('figcaption', { class: 'muted small', text: '图 ' + (k + 1) })));
    });
    const rows = $('rubric-rows');
    rows.textContent = '';
    for (const r of t.rubric || []) {
      rows.append(el('tr', {}, el('td', { text: r.point }), el('td', { class: 'num', text: String(r.share) })));
    }
    $('max-mark').textContent = String(t.max_mark);
    $('answer').textContent = t.answer && t.answer.trim() ? t.answer : '（未作答）';
    $('mark').value = '';
    $('mark').max = String(t.max_mark);
    $('comment').value = '';
    for (const b of $('quick-marks').querySelectorAll('button')) b.setAttribute('aria-pressed', 'false');
    show('task');
    $('task').dataset.task = String(t.task_id);
    window.scrollTo(0, 0);
    $('mark').focus();
  }

  async function next() {
    if (!EVENT) return;
    show('loading');
    try {
      const res = await api('POST', '/api/marking/events/' + EVENT + '/next');
      if (res.status === 401 || res.status === 403) { location.assign('/staff-login'); return; }
      if (res.status === 204) {
        S.task = null;
        $('lease').textContent = '';
        show('empty');
        return;
      }
      if (res.status === 409 && res.body && (res.body.code === 'not_assigned' || res.body.code === 'share_done')) {
        S.task = null;
        $('empty-title').textContent = res.body.code === 'share_done' ? '分给您的答卷已评完' : '尚未分配阅卷任务';
        $('empty-text').textContent = res.body.error;
        show('empty');
        return;
      }
      if (res.status !== 200) {
        show('empty');
        showError(errorText(res, '领取答卷失败，请重试'));
        return;
      }
      S.task = res.body;
      render(res.body);
    } catch (e) {
      show('empty');
      showError('无法连接服务器，请检查网络后点击“重新领取”。');
    }
  }

  function markValue() {
    const raw = $('mark').value.trim();
    if (raw === '') return { error: '请输入得分' };
    const n = Number(raw);
    if (!Number.isFinite(n)) return { error: '得分必须是数字' };
    return { mark: n };
  }

  $('mark-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!S.task || S.busy) return;
    showError('');
    const v = markValue();
    if (v.error) { showError(v.error); $('mark').focus(); return; }
    S.busy = true;
    const button = $('submit-mark');
    button.disabled = true;
    button.textContent = '正在提交…';
    try {
      const res = await api('POST', '/api/marking/tasks/' + S.task.task_id + '/mark',
        { mark: v.mark, comment: $('comment').value });
      if (res.status === 401 || res.status === 403) { location.assign('/staff-login'); return; }
      if (res.status === 200) {
        S.done += 1;
        $('marked-count').textContent = '本次已评 ' + S.done + ' 份';
        await next();
        return;
      }
      showError(errorText(res, '提交评分失败，请重试'));
      if (res.status === 409) {
        // The task is no longer ours (already marked, or its lease ran out): take the next,
        // keeping the message on screen.
        S.task = null;
        await next();
      } else {
        $('mark').select();
      }
    } catch (e) {
      showError('无法连接服务器，评分未提交，请稍后重试。');
    } finally {
      S.busy = false;
      button.disabled = false;
      button.textContent = '提交评分';
    }
  });

  const quick = $('quick-marks');
  for (const m of QUICK) {
    quick.append(el('button', {
      type: 'button', class: 'btn btn-secondary btn-small', text: String(m), 'data-mark': String(m),
      'aria-pressed': 'false',
      onclick: (ev) => {
        $('mark').value = String(m);
        showError('');
        for (const b of quick.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b === ev.currentTarget));
        $('mark').focus();
      },
    }));
  }
  $('mark').addEventListener('input', () => {
    showError('');
    for (const b of quick.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.dataset.mark === $('mark').value));
  });
  $('reload-btn').addEventListener('click', () => { showError(''); next(); });

  next();
})();
