// The paper as the page sees it (exam/paper.js): parts, slots and what counts as answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildViews, chosenIn, isAnswered, chars, numberRuns, CONTROL_CHARS, flagsValue, flagsFrom, slotNames } from '../exam/paper.js';

const paper = {
  objective: [{ no: 1, kind: 'single' }, { no: 2, kind: 'single' }, { no: 3, kind: 'multi' }],
  open: [{ no: 1 }, { no: 2 }],
};

test('a view per item and open question, a part per kind, in paper order', () => {
  const views = buildViews(paper);
  assert.deepEqual(views.map((v) => [v.slot, v.part, v.partName]), [
    ['1', 0, '一、单项选择题'],
    ['2', 0, '一、单项选择题'],
    ['3', 1, '二、多项选择题'],
    ['open-1', 2, '三、开放式试题'],
    ['open-2', 2, '三、开放式试题'],
  ]);
});

test('an open question counts only when chosen and written; an item when anything is picked', () => {
  const [one, , , open1, open2] = buildViews(paper);
  const answers = { 1: 'B', open: '2', 'open-1': '写了但未选答', 'open-2': '  \n ' };
  assert.equal(isAnswered(one, answers), true);
  assert.equal(isAnswered(one, {}), false);
  assert.equal(isAnswered(open1, answers), false, 'not chosen');
  assert.equal(isAnswered(open2, answers), false, 'only white space');
  assert.equal(isAnswered(open2, { open: '2', 'open-2': '答案' }), true);
  assert.deepEqual(chosenIn('3,1,,x,0'), [1, 3]);
  assert.deepEqual(chosenIn(undefined), []);
});

test('characters are counted as a reader counts them', () => {
  assert.equal(chars('质量管理'), 4);
  assert.equal(chars('𠮷😀a'), 3);
  assert.equal(chars(null), 0);
});

test('control characters are taken out of typed text, tabs and line breaks are not', () => {
  assert.equal('第一行\r\n\t第二行\u0000\u0007\u001b\u007f\u0085'.replace(CONTROL_CHARS, ''), '第一行\r\n\t第二行');
});

test('item numbers are grouped into runs for the submit summary', () => {
  const v = (no) => ({ no });
  assert.deepEqual(numberRuns([[v(3), 2], [v(4), 3], [v(5), 4], [v(7), 6], [v(1), 8]]), [
    { from: 3, to: 5, index: 2, toIndex: 4 },
    { from: 7, to: 7, index: 6, toIndex: 6 },
    { from: 1, to: 1, index: 8, toIndex: 8 },
  ]);
});

test('flags are saved in paper order and read back as a set', () => {
  const views = buildViews(paper);
  assert.equal(flagsValue(new Set(['open-2', '3', '1']), views), '1,3,open-2');
  assert.equal(flagsValue(new Set(), views), '');
  assert.equal(flagsValue(new Set(['9']), views), '', 'a slot not on this paper is not sent');
  assert.deepEqual([...flagsFrom('1,3,open-2')], ['1', '3', 'open-2']);
  assert.deepEqual([...flagsFrom('')], [], 'every flag removed');
  assert.equal(flagsFrom(undefined), null, 'the server holds no flags: keep this browser\'s');
});

test('the slots that did not reach the server are named in Chinese, in order, without flags', () => {
  assert.equal(slotNames(['7', 'open-2', 'flags', '3', 'open', '7']), '第 3、7 题、开放题选题、开放题 2');
  assert.equal(slotNames(['flags']), '');
  assert.equal(slotNames(['12', '2']), '第 2、12 题');
});
