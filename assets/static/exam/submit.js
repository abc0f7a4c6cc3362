/* Handing in: the submit dialog lists what is unanswered, not chosen or flagged (each a link to
   the item) and holds the button while saves are still waiting; then the end page, whoever
   submitted — the candidate, or the system when time ran out. */
import { api, el, errorText } from './kaowu.js';
import { $, S, local, queue, OPEN_TO_ANSWER, waiting, chosen, hasAnswer } from './state.js';
import { buildViews, numberRuns } from './paper.js';
import { show, overlay, renderSaveState } from './screen.js';
import { go } from './sheet.js';
import { commitAllText } from './saving.js';
import { applyStatus, sessionLost } from './status.js';

function jumpButton(i, label) {
  return el('button', {
    type: 'button', class: 'link-btn', text: label,
    onclick: () => { $('submit-dialog').close(); go(i); },
  });
}

/** [[view, index], …] → "3–50、52、55–70" with each run a link to its first item; a
    separator never starts a line. */
function runs(pairs, prefix) {
  const groups = numberRuns(pairs);
  return el('span', { class: 'num-list' }, groups.map((g, k) => el('span', { class: 'nb' },
    jumpButton(g.index, (prefix || '') + (g.from === g.to ? String(g.from) : g.from + '–' + g.to)),
    k < groups.length - 1 ? '、' : '')));
}

export function renderSubmitSummary() {
  const box = $('submit-summary');
  box.textContent = '';
  const objective = S.views.map((v, i) => [v, i]).filter(([v]) => !v.open);
  const unanswered = objective.filter(([v]) => !hasAnswer(v));
  const opens = S.views.map((v, i) => [v, i]).filter(([v]) => v.open);
  const picked = chosen();
  const chosenEmpty = opens.filter(([v]) => picked.includes(v.no) && !hasAnswer(v));
  const notChosen = opens.filter(([v]) => !picked.includes(v.no));
  const flagged = S.views.map((v, i) => [v, i]).filter(([v]) => S.flags.has(v.slot));

  const list = el('ul', { class: 'summary-list' });
  list.append(el('li', { class: unanswered.length ? 'sum-warn' : 'sum-ok', id: 'sum-objective' },
    el('strong', { text: '客观题：' }),
    '已作答 ' + (objective.length - unanswered.length) + ' / ' + objective.length + ' 题。',
    unanswered.length ? el('span', { id: 'sum-unanswered' }, '未作答 ' + unanswered.length + ' 题：第 ', runs(unanswered), ' 题。') : null));
  const openLine = el('li', { class: picked.length < OPEN_TO_ANSWER || chosenEmpty.length ? 'sum-warn' : 'sum-ok', id: 'sum-open' },
    el('strong', { text: '开放式试题：' }),
    '已选答 ' + picked.length + ' / ' + OPEN_TO_ANSWER + ' 题' + (picked.length ? '（第 ' + picked.join('、') + ' 题）' : '') + '。');
  if (picked.length < OPEN_TO_ANSWER) {
    openLine.append('还可选答 ' + (OPEN_TO_ANSWER - picked.length) + ' 题，未选的题：第 ', runs(notChosen), ' 题。');
  }
  if (chosenEmpty.length) {
    openLine.append('已选但未作答：第 ', runs(chosenEmpty), ' 题。');
  }
  list.append(openLine);
  if (flagged.length) {
    list.append(el('li', { class: 'sum-warn', id: 'sum-flagged' }, el('strong', { text: '标记待查：' }),
      runs(flagged.filter(([v]) => !v.open)), flagged.some(([v]) => v.open) && flagged.some(([v]) => !v.open) ? '；' : '',
      flagged.some(([v]) => v.open) ? el('span', {}, '开放式试题 ', runs(flagged.filter(([v]) => v.open))) : null));
  }
  box.append(list);
  const count = waiting();
  const confirm = $('submit-confirm');
  if (count && S.net === 'offline') {
    box.append(el('p', { class: 'alert alert-error', id: 'sum-offline', text: '网络中断：还有 ' + count + ' 条答案未保存到服务器，暂时不能交卷。答案已暂存本机，网络恢复后会自动保存；如长时间未恢复，请举手联系监考老师。' }));
    confirm.disabled = true;
  } else if (count) {
    box.append(el('p', { class: 'alert alert-info', text: '正在保存最后 ' + count + ' 条答案，保存完成后即可交卷…' }));
    confirm.disabled = true;
  } else {
    confirm.disabled = false;
  }
}

export function openSubmit() {
  commitAllText();
  renderSubmitSummary();
  $('submit-error') && $('submit-error').remove();
  $('submit-dialog').showModal();
  $('submit-cancel').focus();
}

export async function confirmSubmit() {
  const btn = $('submit-confirm');
  btn.disabled = true;
  btn.textContent = '正在交卷…';
  try {
    const res = await api('POST', '/api/candidate/submit');
    if (res.status === 200) {
      $('submit-dialog').close();
      await applyStatus(res.body, performance.now());
      return;
    }
    if (res.status === 401) { $('submit-dialog').close(); sessionLost(); return; }
    showSubmitError(errorText(res, '交卷未成功，请重试'));
  } catch (e) {
    showSubmitError('无法连接考试服务器，交卷未成功。答案已保存，请稍后重试或举手联系监考老师。');
  } finally {
    btn.textContent = '确认交卷';
    if ($('submit-dialog').open) renderSubmitSummary();
  }
}

function showSubmitError(text) {
  let p = $('submit-error');
  if (!p) {
    p = el('p', { class: 'alert alert-error', id: 'submit-error', role: 'alert' });
    $('submit-summary').after(p);
  }
  p.textContent = text;
}

// ---- the end ------------------------------------------------------------------------------------
/** The sitting is submitted (`by`: 'candidate' or 'system'): nothing more is sent; the end page
    says how, what was answered, and what never reached the server. */
export async function finish(by) {
  if (S.done) return;
  S.done = true;
  S.blocked = 'submitted';
  clearTimeout(S.pollTimer);
  clearTimeout(S.retryTimer);
  overlay(null);
  if ($('submit-dialog').open) $('submit-dialog').close();
  if (!S.paper) {
    try {
      const [p, a] = await Promise.all([api('GET', '/api/candidate/paper'), api('GET', '/api/candidate/answers')]);
      if (p.status === 200 && a.status === 200) {
        S.paper = p.body;
        S.views = buildViews(p.body);
        S.answers = a.body.answers;
      }
    } catch (e) { /* the summary stays short */ }
  }
  const lost = queue.close();
  local.remove('flags');
  const system = by === 'system';
  $('done-title').textContent = system ? '考试时间到，系统已自动交卷' : '交卷成功';
  $('done-text').textContent = system
    ? '考试时间已到，系统已自动交卷。交卷前已保存的答案全部有效。'
    : '您的答卷已提交，答案已全部保存在考试服务器。';
  $('done-by').textContent = system ? '系统自动交卷（考试时间到）' : '考生本人交卷';
  if (S.views.length) {
    const objective = S.views.filter((v) => !v.open);
    $('done-count').textContent = '客观题已答 ' + objective.filter(hasAnswer).length + ' / ' + objective.length
      + ' 题；开放式试题已作答 ' + S.views.filter((v) => v.open && hasAnswer(v)).length + ' / ' + OPEN_TO_ANSWER + ' 题';
  }
  if (lost) {
    $('done-lost').textContent = '注意：交卷时有 ' + lost + ' 条修改尚未送达服务器，未计入答卷。如有疑问请联系监考老师。';
    $('done-lost').hidden = false;
  }
  $('countdown-label').textContent = '考试状态';
  $('countdown-value').textContent = '已交卷';
  $('countdown').dataset.level = 'done';
  $('net-banner').hidden = true;
  $('warning-banner').hidden = true;
  document.body.dataset.state = 'submitted';
  show('view-done');
  renderSaveState();
  $('done-title').setAttribute('tabindex', '-1');
  $('done-title').focus();
}
