/* The candidate and staff login forms. A candidate whose sitting is already submitted is told
   so here instead of being let into the exam screen. */
(function () {
  'use strict';
  const { api, errorText, message } = window.Kaowu;
  const form = document.getElementById('login-form');
  const errorBox = document.getElementById('login-error');
  const button = document.getElementById('login-submit');
  const staff = form.dataset.kind === 'staff';

  /** The released result on the login page (the login has already ended). */
  function showResult(r, report) {
    const { el } = window.Kaowu;
    document.getElementById('result-card').hidden = false;
    document.getElementById('result-total').textContent = '总分 ' + r.total + ' 分（合格线 ' + r.pass_mark + ' 分）';
    const verdict = document.getElementById('result-verdict');
    verdict.textContent = r.verdict;
    verdict.dataset.state = r.passed ? 'pass' : 'fail';
    const parts = document.getElementById('result-parts');
    parts.textContent = '';
    const row = (k, v) => parts.append(el('div', {}, el('dt', { text: k }), el('dd', { text: v })));
    row('单项选择题', r.single + ' 分');
    row('多项选择题', r.multi + ' 分');
    row('开放式试题', r.open_total + ' 分' + (r.open.length ? '（' + r.open.map((o) => '第 ' + o.no + ' 题 ' + (o.mark === null ? '—' : o.mark)).join('，') + '）' : ''));
    for (const m of r.modules) row('模块 ' + m.module + ' · ' + m.name, m.points + ' 分');
    document.getElementById('result-note').textContent = '成绩以考务办公室发布的为准；如有疑问，可在规定时间内申请复核。';
    const link = document.getElementById('result-pdf');
    if (report) {
      link.href = report;
      link.hidden = false;
    }
  }

  function showError(text) { message(errorBox, text); }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errorBox.hidden = true;
    const password = document.getElementById('password').value;
    const nameInput = document.getElementById(staff ? 'username' : 'ticket');
    const name = nameInput.value.trim();
    if (!name || !password) {
      showError(staff ? '请输入用户名和密码' : '请输入准考证号和密码');
      (name ? document.getElementById('password') : nameInput).focus();
      return;
    }
    button.disabled = true;
    button.textContent = '正在登录…';
    try {
      const body = staff ? { username: name, password } : { ticket: name, password };
      const res = await api('POST', '/api/login', body);
      if (res.status !== 200) {
        showError(errorText(res, '登录失败，请重试'));
        document.getElementById('password').select();
        return;
      }
      if (staff) {
        // An initial password is changed first.
        const home = res.body && res.body.role === 'office' ? '/office' : '/proctor';
        location.assign(res.body && res.body.must_change_password ? '/password' : home);
        return;
      }
      const st = await api('GET', '/api/candidate/status');
      if (st.status === 200 && st.body.state === 'submitted') {
        // After the exam: the released result, or when it comes; then the login ends.
        const result = await api('GET', '/api/candidate/result');
        // The 成绩单 is fetched while still logged in, kept in the page for its download link.
        let report = null;
        if (result.status === 200) {
          try {
            const r = await fetch('/api/candidate/score-report.pdf', { credentials: 'same-origin', cache: 'no-store' });
            if (r.status === 200) report = URL.createObjectURL(await r.blob());
          } catch (e) { report = null; }
        }
        await api('POST', '/api/logout');
        if (result.status === 200) {
          showResult(result.body, report);
          return;
        }
        showError((st.body.submitted_by === 'system'
          ? '您的考试时间已到，系统已自动交卷。'
          : '您已交卷，不能再次进入考试。')
          + '成绩尚未发布：发布后用准考证号和密码登录即可在此查看。');
        return;
      }
      // Keep the query (e.g. ?sync=2 on a test rig) for the exam screen.
      location.assign('/exam' + location.search);
    } catch (e) {
      showError('无法连接考试服务器，请检查网络连接或举手联系监考老师。');
    } finally {
      button.disabled = false;
      button.textContent = '登录';
    }
  });
})();
