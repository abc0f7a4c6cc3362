/* The answer sheet: the answer card (a cell per item: answered, chosen, flagged, waiting to be
   saved; the progress) and the item card (an objective item's options, an open question's
   choice and text box), moving between items, flags. A change the candidate makes goes to
   saving.js. */
import { el, toast } from './kaowu.js';
import { $, S, local, tab, MAX_OPEN_CHARS, OPEN_TO_ANSWER, pending, chosen, hasAnswer } from './state.js';
import { chars, chosenIn, CONTROL_CHARS, flagsValue } from './paper.js';
import { confirmDialog, renderItemSave, renderCurrentItemSave } from './screen.js';
import { enqueue, typed, commitText, commitAllText } from './saving.js';

// ---- the answer card --------------------------------------------------------------------------
export function renderNav() {
  const nav = $('nav');
  nav.textContent = '';
  let group = null;
  let grid = null;
  S.views.forEach((v, i) => {
    if (!group || group.dataset.part !== String(v.part)) {
      const count = S.views.filter((w) => w.part === v.part).length;
      grid = el('div', { class: 'nav-grid', role: 'list' });
      group = el('section', { class: 'nav-part', 'data-part': String(v.part) },
        el('h3', {}, v.partName, el('span', { class: 'nav-count', text: v.open ? '选答 ' + OPEN_TO_ANSWER + ' 题' : count + ' 题' })),
        grid);
      nav.append(group);
    }
    grid.append(el('button', {
      type: 'button', class: 'cell', id: 'cell-' + i, 'data-index': String(i), 'data-slot': v.slot,
      role: 'listitem', text: v.label, onclick: () => go(i),
    }));
  });
  refreshAllSlots();
}

/** A slot changed: its cell (all open questions' cells for the choice) and the progress. */
export function refreshSlot(slot) {
  const i = S.views.findIndex((v) => v.slot === slot);
  if (i >= 0) refreshCell(i);
  if (slot === 'open') S.views.forEach((v, j) => { if (v.open) refreshCell(j); });
  refreshProgress();
}

export function refreshAllSlots() {
  S.views.forEach((_, i) => refreshCell(i));
  refreshProgress();
  renderCurrentItemSave();
}

function refreshCell(i) {
  const cell = $('cell-' + i);
  if (!cell) return;
  const v = S.views[i];
  const answered = hasAnswer(v);
  const isChosen = v.open && chosen().includes(v.no);
  const flagged = S.flags.has(v.slot);
  // A change of choice is pending only for the questions it adds or removes.
  const isPending = pending(v.slot)
    || (v.open && pending('open') && isChosen !== chosenIn(S.confirmed.open).includes(v.no));
  cell.classList.toggle('answered', answered);
  cell.classList.toggle('chosen', isChosen && !answered);
  cell.classList.toggle('flagged', flagged);
  cell.classList.toggle('pending', isPending);
  cell.classList.toggle('current', i === S.current);
  if (i === S.current) cell.setAttribute('aria-current', 'true'); else cell.removeAttribute('aria-current');
  const parts = [(v.open ? '开放式试题第 ' : '第 ') + v.no + ' 题'];
  if (v.open) parts.push(isChosen ? '已选答' : '未选答');
  parts.push(answered ? '已作答' : '未作答');
  if (flagged) parts.push('已标记待查');
  if (isPending) parts.push('待保存');
  cell.setAttribute('aria-label', parts.join('，'));
}

function refreshProgress() {
  const objective = S.views.filter((v) => !v.open);
  const answered = objective.filter(hasAnswer).length;
  const openDone = S.views.filter((v) => v.open && hasAnswer(v)).length;
  $('progress').textContent = '客观题 ' + answered + '/' + objective.length + ' · 开放题 ' + openDone + '/' + OPEN_TO_ANSWER;
  const total = objective.length + OPEN_TO_ANSWER;
  $('progress-bar').style.width = (total ? Math.round(100 * (answered + openDone) / total) : 0) + '%';
}

/** The item this tab showed last (kept across a reload), within the paper. */
export function restoreCurrent() {
  const i = parseInt(tab.get('current', 0), 10) || 0;
  S.current = Math.min(i, S.views.length - 1);
}

export function go(i) {
  if (i < 0 || i >= S.views.length) return;
  commitAllText();
  const before = S.current;
  S.current = i;
  tab.set('current', i);
  refreshCell(before);
  refreshCell(i);
  renderCurrent(true);
}

// ---- the item card ----------------------------------------------------------------------------
export function renderCurrent(focus) {
  const v = S.views[S.current];
  const card = $('item');
  if (!v) return;
  card.textContent = '';
  card.dataset.slot = v.slot;
  card.dataset.kind = v.open ? 'open' : v.item.kind;
  const flagged = S.flags.has(v.slot);
  const head = el('header', { class: 'item-head' },
    el('h2', { class: 'item-no', id: 'item-title' }, v.open ? '开放式试题 第 ' : '第 ', el('strong', { text: String(v.no) }), ' 题'),
    el('div', { class: 'chips' },
      el('span', { class: 'chip chip-part', text: v.partName }),
      el('span', { class: 'chip', text: '模块 ' + v.item.module + ' · ' + v.item.module_name }),
      el('span', { class: 'chip chip-points', text: v.item.points + ' 分' }),
      flagged ? el('span', { class: 'chip chip-flag', text: '已标记待查' }) : null),
    el('span', { class: 'item-save', 'aria-live': 'polite' }));
  card.append(head);
  if (v.open) renderOpen(card, v); else renderObjective(card, v);
  renderItemSave(head.querySelector('.item-save'), v);
  $('prev-btn').disabled = S.current === 0;
  $('next-btn').disabled = S.current === S.views.length - 1;
  const fb = $('flag-btn');
  fb.setAttribute('aria-pressed', flagged ? 'true' : 'false');
  fb.textContent = flagged ? '取消标记' : '标记待查';
  setDisabled(S.blocked !== null);
  if (focus) card.focus({ preventScroll: false });
  card.scrollTop = 0;
  window.scrollTo(0, 0);
}

/** The item's pictures under its stem (a chart the question asks about), in order. */
function pictures(card, item, no) {
  (item.images || []).forEach((src, k) => {
    card.append(el('figure', { class: 'item-figure' },
      el('img', { src, alt: '第 ' + no + ' 题附图 ' + (k + 1), loading: 'lazy' }),
      el('figcaption', { class: 'muted small', text: '图 ' + (k + 1) })));
  });
}

function renderObjective(card, v) {
  const it = v.item;
  const multi = it.kind === 'multi';
  card.append(el('p', { class: 'item-hint', text: multi ? '（多项选择题）请选出所有正确的选项。' : '（单项选择题）请选出一个最符合题意的选项。' }));
  card.append(el('div', { class: 'stem', id: 'stem-' + v.no, text: it.stem }));
  pictures(card, it, v.no);
  const value = S.answers[v.slot] || '';
  const fs = el('fieldset', { class: 'options', 'aria-describedby': 'stem-' + v.no },
    el('legend', { class: 'visually-hidden', text: '第 ' + v.no + ' 题的选项' }));
  for (const o of it.options) {
    const input = el('input', {
      type: multi ? 'checkbox' : 'radio', name: 'item-' + v.no, value: o.label,
      id: 'opt-' + v.no + '-' + o.label, checked: value.includes(o.label),
    });
    input.addEventListener('change', () => objectiveChanged(v, fs, multi));
    if (multi) input.addEventListener('keydown', (ev) => arrowsBetweenCheckboxes(ev, fs));
    fs.append(el('label', { class: 'option', for: input.id },
      input, el('span', { class: 'opt-label', text: o.label }), el('span', { class: 'opt-text', text: o.text })));
  }
  card.append(fs);
}

function objectiveChanged(v, fs, multi) {
  const picked = Array.from(fs.querySelectorAll('input:checked')).map((i) => i.value).sort().join('');
  if (!multi && picked.length > 1) return; // cannot happen with radios
  enqueue(v.slot, picked);
}

/** Radios move with the arrow keys by themselves; checkboxes of one item do so here. */
function arrowsBetweenCheckboxes(ev, fs) {
  const keys = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 };
  if (!(ev.key in keys)) return;
  const boxes = Array.from(fs.querySelectorAll('input'));
  const i = boxes.indexOf(ev.target);
  const next = boxes[(i + keys[ev.key] + boxes.length) % boxes.length];
  ev.preventDefault();
  next.focus();
}

function renderOpen(card, v) {
  const picked = chosen();
  const isChosen = picked.includes(v.no);
  const full = picked.length >= OPEN_TO_ANSWER;
  const box = el('input', { type: 'checkbox', id: 'choose-' + v.no, checked: isChosen, disabled: !isChosen && full });
  box.addEventListener('change', () => toggleChoice(v, box));
  const status = picked.length
    ? '已选 ' + picked.length + ' / ' + OPEN_TO_ANSWER + ' 题：第 ' + picked.join('、') + ' 题'
    : '尚未选题（共 ' + S.views.filter((w) => w.open).length + ' 题，选答 ' + OPEN_TO_ANSWER + ' 题）';
  card.append(el('div', { class: 'open-choice' + (isChosen ? ' is-chosen' : '') },
    el('label', { class: 'choose', for: box.id }, box, el('span', { text: isChosen ? '已选答本题' : '选答本题' })),
    el('span', { class: 'open-count', id: 'open-count', text: status })));
  if (!isChosen && full) {
    card.append(el('p', { class: 'item-hint hint-warn', id: 'open-full', text: '已选满 ' + OPEN_TO_ANSWER + ' 题。如需改答本题，请先在已选的题目中取消一题的选答。' }));
  }
  card.append(el('div', { class: 'stem', id: 'stem-open-' + v.no, text: v.item.stem }));
  pictures(card, v.item, v.no);
  const text = S.answers[v.slot] || '';
  if (isChosen) {
    const area = el('textarea', {
      id: 'answer-' + v.no, class: 'answer', rows: '10', maxlength: String(MAX_OPEN_CHARS),
      'aria-describedby': 'stem-open-' + v.no + ' counter-' + v.no, spellcheck: false,
    });
    area.value = text;
    const counter = el('div', { class: 'counter', id: 'counter-' + v.no, 'aria-live': 'polite' });
    const updateCounter = () => {
      const n = chars(area.value);
      counter.textContent = '已输入 ' + n + ' 字 / 上限 ' + MAX_OPEN_CHARS + ' 字';
      counter.dataset.level = n >= MAX_OPEN_CHARS ? 'full' : n >= MAX_OPEN_CHARS * 0.9 ? 'near' : 'ok';
    };
    area.addEventListener('input', () => {
      // Invisible control characters (pasted from another program) cannot be stored: they
      // leave the text here rather than having the whole answer refused.
      const clean = area.value.replace(CONTROL_CHARS, '');
      if (clean !== area.value) area.value = clean;
      S.answers[v.slot] = area.value;
      updateCounter();
      typed(v.slot);
    });
    area.addEventListener('blur', () => commitText(v.slot));
    updateCounter();
    card.append(el('label', { class: 'visually-hidden', for: area.id, text: '开放式试题第 ' + v.no + ' 题的答案' }), area, counter);
  } else {
    const kept = chars(text);
    card.append(el('div', { class: 'answer-locked' },
      full ? '已选满 ' + OPEN_TO_ANSWER + ' 题，本题不能作答。' : '勾选上方“选答本题”后即可在此作答。',
      kept ? el('span', { class: 'muted', text: '（此前写的 ' + kept + ' 字仍保留，重新选答后恢复。）' }) : null));
  }
}

async function toggleChoice(v, box) {
  commitAllText();
  const picked = chosen();
  let next;
  if (box.checked) {
    if (picked.length >= OPEN_TO_ANSWER) {
      box.checked = false;
      toast('开放式试题只能选答 ' + OPEN_TO_ANSWER + ' 题');
      return;
    }
    next = picked.concat([v.no]).sort((a, b) => a - b);
  } else {
    const written = chars(S.answers[v.slot] || '');
    if (written > 0) {
      const ok = await confirmDialog('取消选答第 ' + v.no + ' 题？',
        '本题已写的 ' + written + ' 字将不计分（内容仍保留，重新选答后可恢复）。');
      if (!ok) {
        box.checked = true;
        return;
      }
    }
    next = picked.filter((n) => n !== v.no);
  }
  enqueue('open', next.join(','));
  renderCurrent(false);
  const again = $('choose-' + v.no);
  if (again) again.focus();
}

/** Nothing can be changed while the sitting is paused, moved or over. */
export function setDisabled(disabled) {
  for (const node of document.querySelectorAll('#item input, #item textarea')) {
    if (node.id && node.id.startsWith('choose-')) {
      const v = S.views[S.current];
      node.disabled = disabled || (v && !chosen().includes(v.no) && chosen().length >= OPEN_TO_ANSWER);
    } else {
      node.disabled = disabled;
    }
  }
  $('submit-btn').disabled = disabled;
  $('flag-btn').disabled = disabled;
}

/** Flags are the candidate's own notes: kept in this browser and saved with the answers (never
    scored), so they follow the candidate to another workstation. */
export function toggleFlag() {
  const v = S.views[S.current];
  if (!v) return;
  if (S.flags.has(v.slot)) S.flags.delete(v.slot); else S.flags.add(v.slot);
  local.set('flags', Array.from(S.flags));
  enqueue('flags', flagsValue(S.flags, S.views));
  refreshCell(S.current);
  renderCurrent(false);
  $('flag-btn').focus();
}
