/* The frame around the paper: which view is up, the overlay that stops the candidate (paused,
   moved, logged out), the confirmation dialog, and the save state — the pill in the header and
   the line on the item card. "已保存" is shown only for what the server acknowledged. */
import { $, S, queue, pending, waiting, hasAnswer, chosen } from './state.js';
import { renderSubmitSummary } from './submit.js';

export function show(view) {
  for (const id of ['view-loading', 'view-intro', 'view-exam', 'view-done']) $(id).hidden = id !== view;
  document.body.dataset.view = view;
}

/** Covers the page (kind: paused | moved | session), or uncovers it (no kind). `action` shows
    the button back to the login page. */
export function overlay(kind, title, text, action) {
  const o = $('overlay');
  if (!kind) { o.hidden = true; return; }
  o.dataset.kind = kind;
  $('overlay-icon').textContent = kind === 'paused' ? 'Ⅱ' : '!';
  $('overlay-title').textContent = title;
  $('overlay-text').textContent = text;
  $('overlay-action').hidden = !action;
  o.hidden = false;
}

/** Asks a yes/no question in the page's dialog; resolves to the answer. */
export function confirmDialog(title, text) {
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

/** The save pill, the item card's save line and the submit dialog's count of what waits. */
export function renderSaveState() {
  const box = $('save-state');
  const text = $('save-text');
  const count = waiting();
  let state;
  let label;
  if (S.blocked === 'paused' && queue.length) {
    state = 'offline';
    label = '考试暂停中，' + queue.length + ' 条答案待恢复后保存';
  } else if (S.net === 'offline' && count) {
    state = 'offline';
    label = (S.netWhy === 'server' ? '暂未保存 · ' : '离线 · ') + count + ' 条待保存，将自动重试';
  } else if (S.net === 'offline') {
    state = 'offline';
    label = S.netWhy === 'server' ? '服务器暂时无法保存，正在重试' : '网络中断，正在重试';
  } else if (queue.inflight) {
    state = 'saving';
    label = '正在保存…';
  } else if (count) {
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
  renderCurrentItemSave();
  if ($('submit-dialog').open) renderSubmitSummary();
}

/** The save line of the item on screen, if any. */
export function renderCurrentItemSave() {
  const node = document.querySelector('#item .item-save');
  if (node) renderItemSave(node, S.views[S.current]);
}

export function renderItemSave(node, view) {
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
