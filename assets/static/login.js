/* The candidate and staff login forms. A candidate whose sitting is already submitted is told
   so here instead of being let into the exam screen. */
(function () {
  'use strict';
  const { api, errorText, message } = window.Kaowu;
  const form = document.getElementById('login-form');
  const errorBox = document.getElementById('login-error');
  const button = document.getElementById('login-submit');
  const staff = form.dataset.kind === 'staff';

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
        location.assign(res.body && res.body.must_change_password ? '/password' : '/proctor');
        return;
      }
      const st = await api('GET', '/api/candidate/status');
      if (st.status === 200 && st.body.state === 'submitted') {
        await api('POST', '/api/logout');
        showError(st.body.submitted_by === 'system'
          ? '您的考试时间已到，系统已自动交卷，不能再次进入考试。'
          : '您已交卷，不能再次进入考试。如有疑问请联系监考老师。');
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
