/* The paper as the page sees it: one view per item and open question, in paper order, and what
   counts as answered. Pure: no DOM, so this file runs under `node --test`.

   Answers are strings by slot: '7' → 'AC' for objective item 7, 'open' → '1,3' for the open
   questions chosen, 'open-3' → the text of open question 3, 'flags' → the items flagged for
   review ('7,open-3'), kept with the answers so a flag follows the candidate to another PC. */

const CN_NUM = ['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
const KIND_NAME = { single: '单项选择题', multi: '多项选择题' };

/** Control characters other than tab and line breaks (the server refuses them). */
export const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/** The views of a paper ({objective: [...], open: [...]} from /api/candidate/paper): a part
    per run of one kind of item, then a part for the open questions. */
export function buildViews(paper) {
  const views = [];
  let part = -1;
  let lastKind = null;
  for (const it of paper.objective) {
    if (it.kind !== lastKind) {
      part += 1;
      lastKind = it.kind;
    }
    views.push({
      open: false, no: it.no, slot: String(it.no), item: it,
      part, partName: CN_NUM[part] + '、' + KIND_NAME[it.kind], label: String(it.no),
    });
  }
  part += 1;
  for (const q of paper.open) {
    views.push({
      open: true, no: q.no, slot: 'open-' + q.no, item: q,
      part, partName: CN_NUM[part] + '、开放式试题', label: String(q.no),
    });
  }
  return views;
}

/** The open questions chosen in an 'open' value ('3,1' → [1, 3]). */
export function chosenIn(value) {
  return (value || '').split(',').map((s) => parseInt(s, 10)).filter((n) => n > 0).sort((a, b) => a - b);
}

/** Whether a view counts as answered: an objective item with a choice, or an open question
    that is chosen and has text. */
export function isAnswered(view, answers) {
  const v = answers[view.slot] || '';
  if (view.open) return chosenIn(answers.open).includes(view.no) && v.trim().length > 0;
  return v.length > 0;
}

/** Characters as a reader counts them (a CJK character or an emoji is one). */
export function chars(text) { return Array.from(text || '').length; }

/** [[view, index], …] → runs of consecutive numbers standing next to each other:
    [{from, to, index, toIndex}, …] ("3–50、52" is two runs). */
export function numberRuns(pairs) {
  const groups = [];
  for (const [v, i] of pairs) {
    const last = groups[groups.length - 1];
    if (last && v.no === last.to + 1 && i === last.toIndex + 1) {
      last.to = v.no;
      last.toIndex = i;
    } else {
      groups.push({ from: v.no, to: v.no, index: i, toIndex: i });
    }
  }
  return groups;
}

/** The flags as the server keeps them: the flagged views' slots in paper order, comma-separated. */
export function flagsValue(flags, views) {
  return views.filter((v) => flags.has(v.slot)).map((v) => v.slot).join(',');
}

/** The flags the server holds (`answers.flags`), or null when it holds none. */
export function flagsFrom(value) {
  if (typeof value !== 'string') return null;
  return new Set(value.split(',').map((s) => s.trim()).filter(Boolean));
}

/** Slots in words, for telling the candidate which answers did not reach the server:
    "第 3、7 题、开放题选题、开放题 2" (item numbers ascending, then the open part; flags are not
    answers and are left out). */
export function slotNames(slots) {
  const set = new Set(slots);
  const items = [...set].filter((s) => /^[0-9]+$/.test(s)).map(Number).sort((a, b) => a - b);
  const open = [...set].filter((s) => /^open-[0-9]+$/.test(s)).map((s) => Number(s.slice(5))).sort((a, b) => a - b);
  const parts = [];
  if (items.length) parts.push('第 ' + items.join('、') + ' 题');
  if (set.has('open')) parts.push('开放题选题');
  for (const n of open) parts.push('开放题 ' + n);
  return parts.join('、');
}
