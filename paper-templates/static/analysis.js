// The item-analysis page is rendered on the server; this only wires the logout button.
(function () {
  'use strict';
  const btn = document.getElementById('logout-btn');
  if (btn) btn.addEventListener('click', () => window.Kaowu.logout('/staff-login'));
})();
