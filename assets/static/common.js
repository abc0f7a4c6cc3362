/* Shared helpers for every page: calling the JSON API, building DOM, formatting times, the
   text-size and log-out buttons, toasts. Plain JavaScript, no build step; everything hangs off
   window.Kaowu (the exam page's modules import it through exam/kaowu.js). */
(function () {
  'use strict';

  /** A request that never reached the server (network down, server stopped). */
  class NetworkError extends Error {}

  /**
   * Calls the API. Resolves to {status, body} for every HTTP answer (the body parsed as JSON
   * when it is JSON); rejects with NetworkError only when no answer came back.
   */
  async function api(method, path, body, timeoutMs) {
    const ctrl = typeof AbortController === 'function' ? new AbortController() : null;
    const timer = ctrl ? setTimeout(() => ctrl.abort(), timeoutMs || 15000) : null;
    const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' };
    if (ctrl) init.signal = ctrl.signal;
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new NetworkError(String(e && e.message || e));
    } finally {
      if (timer) clearTimeout(timer);
    }
    let text = '';
    try {
      text = await response.text();
    } catch (e) {
      throw new NetworkError(String(e && e.message || e));
    }
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch (e) { parsed = { error: text }; }
    return { status: response.status, body: parsed };
  }

  /** The server's message for a failed call, or a fallback. */
  function errorText(res, fallback) {
    return (res && res.body && res.body.error) || fallback || '操作未成功，请重试';
  }

  /** el('div', {class: 'x', text: 'y'}, child, …) — DOM without innerHTML, so text is never markup. */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else if (k in node && typeof v !== 'string') node[k] = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function pad(n) { return String(n).padStart(2, '0'); }

  /** 10 800 000 → "03:00:00". */
  function hms(ms) {
    const s = Math.max(0, Math.ceil(ms / 1000));
    return pad(Math.floor(s / 3600)) + ':' + pad(Math.floor(s / 60) % 60) + ':' + pad(s % 60);
  }

  /** Epoch milliseconds → "09:12:33", Beijing time (the exam's time, whatever the PC says). */
  function clock(ms) {
    const d = new Date(ms + 8 * 3600 * 1000);
    return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
  }

  /** A duration in words: "12 秒前", "3 分钟前". */
  function ago(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return s + ' 秒前';
    if (s < 3600) return Math.floor(s / 60) + ' 分钟前';
    return Math.floor(s / 3600) + ' 小时前';
  }

  /** Text size (accessibility): 0 = normal … 3 = largest, kept per workstation. */
  const FONT_STEPS = 4;
  function applyFont(step) {
    const s = Math.max(0, Math.min(FONT_STEPS - 1, step | 0));
    document.documentElement.dataset.font = String(s);
    try { localStorage.setItem('kaowu.font', String(s)); } catch (e) { /* private mode */ }
    return s;
  }
  function currentFont() {
    try { return parseInt(localStorage.getItem('kaowu.font') || '0', 10) || 0; } catch (e) { return 0; }
  }
  applyFont(currentFont());

  async function logout(to) {
    try { await api('POST', '/api/logout'); } catch (e) { /* leave anyway */ }
    location.assign(to || '/');
  }

  /** Shows `text` in a message box (a form's error line, say), or hides the box when there is
      no text. */
  function message(box, text) {
    box.textContent = text || '';
    box.hidden = !text;
  }

  /** A short message that goes by itself, one at a time: a problem (read out at once, 6 s) or,
      with `ok`, a confirmation (4 s). */
  let toastTimer = null;
  function toast(text, ok) {
    let t = document.getElementById('toast');
    if (!t) {
      t = el('div', { id: 'toast' });
      document.body.append(t);
    }
    t.className = ok ? 'toast toast-ok' : 'toast';
    t.setAttribute('role', ok ? 'status' : 'alert');
    t.textContent = text;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, ok ? 4000 : 6000);
  }

  // Every page's buttons: data-font="±1" changes the text size, data-logout="/where" logs out
  // and goes there.
  document.addEventListener('click', (ev) => {
    const font = ev.target.closest && ev.target.closest('[data-font]');
    if (font) applyFont(currentFont() + parseInt(font.dataset.font, 10));
    const out = ev.target.closest && ev.target.closest('[data-logout]');
    if (out) logout(out.dataset.logout);
  });

  window.Kaowu = { api, errorText, el, hms, clock, ago, logout, message, toast, NetworkError, pad };
})();
