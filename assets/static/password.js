/* Changing one's own password (staff). The two new ones must match before anything is sent;
   the server's Chinese message says what else is wrong. On success the staff member goes on to
   where the staff login sends everyone. */
(function () {
  'use strict';
  const { api, errorText, message } = window.Kaowu;
  const form = document.getElementById('password-form');
  const errorBox = document.getElementById('password-error');
  const button = document.getElementById('password-submit');
  const oldInput = document.getElementById('old-password');
  const newInput = document.getElementById('new-password');
  const againInput = document.getElementById('new-password-again');
  const home = form.dataset.home || '/proctor';

  function showError(text, focus) {
    message(errorBox, text);
    if (focus) focus.select();
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    errorBox.hidden = true;
    const oldPassword = oldInput.value;
    const newPassword = newInput.value;
    if (!oldPassword) {
      showError('请输入原密码', oldInput);
      return;
    }
    if (!newPassword) {
      showError('请输入新密码', newInput);
      return;
    }
    if (newPassword !== againInput.value) {
      showError('两次输入的新密码不一致，请重新输入', againInput);
      return;
    }
    button.disabled = true;
    button.textContent = '正在修改…';
    try {
      const res = await api('POST', '/api/password', { old_password: oldPassword, new_password: newPassword });
      if (res.status === 200) {
        button.textContent = '已修改';
        location.assign(home);
        return;
      }
      if (res.status === 401 && !(res.body && res.body.error === '原密码错误')) {
        // The login itself has ended.
        location.assign('/staff-login');
        return;
      }
      showError(errorText(res, '修改未成功，请重试'), res.status === 401 ? oldInput : newInput);
    } catch (e) {
      showError('无法连接服务器，请检查网络连接后重试。');
    } finally {
      if (button.textContent !== '已修改') {
        button.disabled = false;
        button.textContent = '修改密码';
      }
    }
  });
})();
