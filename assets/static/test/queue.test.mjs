// The offline save queue (exam/queue.js): what a candidate relies on when the network or the
// server lets them down. Run: node --test assets/static/test/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SaveQueue, Backoff, MAX_BATCH, jsonStorage, refusalAction } from '../exam/queue.js';

const PREFIX = 'kaowu.DEMO0001.';

/** A Storage (getItem/setItem/removeItem) like the browser's localStorage, in memory. */
function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return {
    data,
    getItem: (k) => (data.has(k) ? data.get(k) : null),
    setItem: (k, v) => { data.set(k, String(v)); },
    removeItem: (k) => { data.delete(k); },
  };
}

/** A Storage that refuses everything, as a browser's may in private mode or when full. */
const refusingStorage = {
  getItem() { throw new Error('SecurityError'); },
  setItem() { throw new Error('QuotaExceededError'); },
  removeItem() { throw new Error('SecurityError'); },
};

/** A page's queue over `backend`; a second call over the same backend is the page reloaded. */
function page(backend) {
  return new SaveQueue(jsonStorage(backend, PREFIX));
}

/** A page's queue over `backend` with these [slot, value] changes made, in order (after
    entering `paper`, when one is named). */
function queued(backend, changes, paper) {
  const q = page(backend);
  if (paper) q.adopt(paper, 0);
  for (const [slot, value] of changes) q.add(slot, value);
  return q;
}

/** Sends the next batch and takes the server's answer: every save with `status` ('saved',
    'stale'…), or the results `status` makes of the batch. Returns acknowledge()'s account. */
function roundTrip(q, status = 'saved') {
  const batch = q.take();
  q.landed();
  const results = typeof status === 'function' ? status(batch) : batch.map((e) => ({ seq: e.seq, status }));
  return q.acknowledge(batch, results);
}

const seqs = (q) => q.entries.map((e) => e.seq);

test('a save queued offline is kept across a reload, in the form the page stores', () => {
  const disk = memoryStorage();
  const before = page(disk);
  before.add('1', 'B');
  before.add('open', '2');
  before.add('open-2', '网络中断时写下的答案。');
  const sent = before.take(); // on the wire when the page goes away: still kept
  assert.equal(sent.length, 3);

  assert.deepEqual(JSON.parse(disk.data.get(PREFIX + 'queue')), [
    { seq: 1, slot: '1', value: 'B' },
    { seq: 2, slot: 'open', value: '2' },
    { seq: 3, slot: 'open-2', value: '网络中断时写下的答案。' },
  ]);
  assert.equal(disk.data.get(PREFIX + 'seq'), '3');

  const after = page(disk);
  assert.deepEqual(after.snapshot(), before.snapshot());
  assert.equal(after.lastSeq, 3);
  assert.equal(after.inflight, null, 'nothing is on the wire after a reload');
  assert.ok(after.has('open-2') && !after.has('5'));
});

test('a saved answer leaves the queue, and the reload after it does not send it again', () => {
  const disk = memoryStorage();
  const q = queued(disk, [['1', 'A'], ['2', 'C']]);
  const { stored, refused, saved } = roundTrip(q);
  assert.equal(stored, 2);
  assert.deepEqual(refused, []);
  assert.deepEqual(saved.map((e) => [e.slot, e.value]), [['1', 'A'], ['2', 'C']], 'what the server now holds');
  assert.equal(q.length, 0);
  assert.equal(page(disk).length, 0, 'persisted');
});

test('a stale save is durable too: it leaves the queue, but is not what the server holds', () => {
  const q = queued(memoryStorage(), [['1', 'A']]);
  const r = roundTrip(q, 'stale');
  assert.equal(r.stored, 1);
  assert.deepEqual(r.saved, [], 'a newer value was already there');
  assert.equal(q.length, 0);
});

test('an answer naming only some saves removes only those', () => {
  const q = queued(memoryStorage(), [['1', 'A'], ['2', 'B'], ['3', 'C']]);
  const r = roundTrip(q, () => [{ seq: 1, status: 'saved' }, { seq: 2, status: 'refused', code: 'paused' }]);
  assert.deepEqual(r.refused, [{ seq: 2, status: 'refused', code: 'paused' }]);
  assert.deepEqual(seqs(q), [2, 3], 'the refused one and the unanswered one stay, in order');
});

test('a refused save is kept, blocks the workstation or is dropped, as the page decided before', () => {
  // Read from the status right after the refusal: not readable (offline, logged out), paused
  // (sent again on resume) and submitted (the end page counts it as lost) keep it.
  for (const state of [null, undefined, 'paused', 'submitted']) {
    assert.equal(refusalAction(state, 'moved'), 'keep', String(state));
    assert.equal(refusalAction(state, 'open_not_chosen'), 'keep', String(state));
  }
  // Moved to another workstation: decided on the code, never on the message's text.
  assert.equal(refusalAction('in_progress', 'moved'), 'block');
  assert.equal(refusalAction('in_progress', '其他机位'), 'drop');
  assert.equal(refusalAction('in_progress', 'open_not_chosen'), 'drop');
  assert.equal(refusalAction('in_progress', undefined), 'drop');

  const disk = memoryStorage();
  const q = queued(disk, [['open-1', '不再选答的题的答案'], ['2', 'D']]);
  const { refused } = roundTrip(q, () => [{ seq: 1, status: 'refused', code: 'open_not_chosen' }, { seq: 2, status: 'saved' }]);
  assert.deepEqual(q.drop(refused.map((r) => r.seq)), ['open-1'], 'the slots to take from the server');
  assert.equal(q.length, 0);
  assert.equal(page(disk).length, 0);
});

test('sequence numbers only grow: replaced, dropped, saved, reloaded or behind the server', () => {
  const disk = memoryStorage();
  let q = page(disk);
  const used = [];
  const add = (slot, value) => used.push(q.add(slot, value).seq);
  add('1', 'A');
  add('1', 'B'); // replaces the unsent A with a fresh seq
  add('2', 'C');
  q.drop([used[2]]);
  roundTrip(q);
  assert.equal(q.length, 0);
  add('3', 'A');
  q = page(disk); // reload with the last seq stored and nothing waiting but one
  add('4', 'B');
  assert.equal(q.adopt('paper-1', 2), false, 'the server is behind this browser');
  add('5', 'C');
  assert.equal(q.adopt('paper-1', 40), false, 'the server saw seqs this browser lost (another browser)');
  add('6', 'D');
  for (let i = 1; i < used.length; i += 1) assert.ok(used[i] > used[i - 1], `${used}`);
  assert.equal(used[used.length - 1], 41, 'above everything the server holds');
});

test('a newer value replaces an unsent one for the same slot, never one on the wire nor the open-question choice', () => {
  const q = queued(memoryStorage(), [['1', 'A'], ['open', '1'], ['open-1', '第一稿']]);
  const batch = q.take(); // 1, open, open-1 on the wire
  q.add('1', 'B'); // A is on the wire: kept, B follows it
  q.add('open', '1,2'); // the choice is never merged
  q.add('open-1', '第二稿');
  q.add('open-1', '第三稿'); // replaces 第二稿 (unsent), not 第一稿 (on the wire)
  assert.deepEqual(q.snapshot(), [
    { seq: 1, slot: '1', value: 'A' },
    { seq: 2, slot: 'open', value: '1' },
    { seq: 3, slot: 'open-1', value: '第一稿' },
    { seq: 4, slot: '1', value: 'B' },
    { seq: 5, slot: 'open', value: '1,2' },
    { seq: 7, slot: 'open-1', value: '第三稿' },
  ]);
  q.landed();
  q.acknowledge(batch, batch.map((e) => ({ seq: e.seq, status: 'saved' })));
  assert.deepEqual(seqs(q), [4, 5, 7]);

  // Offline: a text written while question 1 was chosen, then the choice changed. The text must
  // reach the server while question 1 is still chosen there, so both choices go, in order.
  const offline = queued(memoryStorage(), [['open', '1'], ['open-1', '答案'], ['open', '2']]);
  assert.deepEqual(offline.snapshot().map((e) => [e.slot, e.value]), [['open', '1'], ['open-1', '答案'], ['open', '2']]);
});

test('the queue is sent oldest first, one batch at a time, at most MAX_BATCH saves', () => {
  const q = page(memoryStorage());
  for (let i = 1; i <= MAX_BATCH + 5; i += 1) q.add(String(i), 'A');
  const first = q.take();
  assert.equal(first.length, MAX_BATCH);
  assert.deepEqual(first.map((e) => e.seq), seqs(q).slice(0, MAX_BATCH));
  assert.equal(q.take(), null, 'nothing more while a batch is on the wire');
  q.landed(); // no answer (network down): everything is still there
  assert.equal(q.length, MAX_BATCH + 5);
  assert.deepEqual(q.take(), first, 'the same batch goes again');
  q.landed();
  q.acknowledge(first, first.map((e) => ({ seq: e.seq, status: 'saved' })));
  assert.equal(roundTrip(q).stored, 5);
  assert.equal(page(memoryStorage()).take(), null, 'an empty queue sends nothing');
});

test('a malformed batch is sent again save by save, and the one bad save is dropped', () => {
  const q = queued(memoryStorage(), [['1', 'A'], ['2', 'B'], ['3', 'C']]);
  let batch = q.take();
  q.landed();
  assert.equal(q.malformed(batch), null, 'several saves: none is dropped yet');
  assert.equal(q.length, 3);
  assert.deepEqual(roundTrip(q).saved.map((e) => e.seq), [1], 'one at a time');
  q.settle();
  assert.ok(q.singleMode, 'still one at a time while saves wait');
  batch = q.take();
  q.landed();
  assert.deepEqual(q.malformed(batch), { seq: 2, slot: '2', value: 'B' }, 'the bad one');
  assert.deepEqual(seqs(q), [3]);
  roundTrip(q);
  q.settle();
  assert.equal(q.singleMode, false, 'whole batches again once the queue is empty');
});

test('entering the exam: what the server already stored leaves, newer saves stay to be sent', () => {
  const disk = memoryStorage();
  queued(disk, [['1', 'A'], ['2', 'B'], ['3', 'C']]);
  // The page was reloaded after the server stored seq 2 but before its answer arrived.
  const again = page(disk);
  assert.equal(again.adopt('paper-1', 2), false);
  assert.deepEqual(seqs(again), [3]);
  assert.equal(again.lastSeq, 3);
  assert.equal(JSON.parse(disk.data.get(PREFIX + 'paper')), 'paper-1');
  assert.deepEqual(page(disk).snapshot(), again.snapshot(), 'persisted');
});

test('what was kept for another paper under the same ticket is discarded, not sent', () => {
  const disk = memoryStorage();
  queued(disk, [['1', 'A'], ['2', 'B']], 'old-paper');
  const next = page(disk);
  assert.equal(next.adopt('new-paper', 0), true, 'the page drops its flags too');
  assert.equal(next.length, 0);
  assert.equal(next.add('1', 'C').seq, 1, 'a new sitting numbers from the server’s highest');
});

test('a queue restored from corrupt storage does not crash and keeps what is sound', () => {
  const corrupt = [
    '{not json',
    '42',
    '"queue"',
    'null',
    '{"seq": 1, "slot": "1", "value": "A"}',
    JSON.stringify([null, 7, 'x', [], {}, { seq: '3', slot: '1', value: 'A' }, { seq: 2, slot: 1, value: 'A' },
      { seq: -1, slot: '1', value: 'A' }, { seq: 1.5, slot: '1', value: 'A' }, { seq: 4, slot: '2' }]),
  ];
  for (const stored of corrupt) {
    for (const seq of [undefined, '"7"', '-3', 'NaN', '{']) {
      const backend = memoryStorage({ [PREFIX + 'queue']: stored });
      if (seq !== undefined) backend.setItem(PREFIX + 'seq', seq);
      const q = page(backend);
      assert.equal(q.length, 0, stored);
      assert.equal(q.lastSeq, 0, `${stored} / ${seq}`);
      assert.equal(q.add('1', 'A').seq, 1);
      assert.equal(q.adopt('paper-1', 0), false);
      assert.deepEqual(page(backend).snapshot(), [{ seq: 1, slot: '1', value: 'A' }], 'usable again');
    }
  }

  // Sound entries among broken ones are kept, in seq order, once each; the seq continues above
  // them even when the stored seq was lost.
  const mixed = memoryStorage({
    [PREFIX + 'queue']: JSON.stringify([{ seq: 9, slot: '2', value: 'B' }, null, { seq: 5, slot: '1', value: 'A', extra: 1 },
      { seq: 9, slot: '3', value: 'C' }, { seq: 6 }]),
  });
  const q = page(mixed);
  assert.deepEqual(q.snapshot(), [{ seq: 5, slot: '1', value: 'A' }, { seq: 9, slot: '2', value: 'B' }]);
  assert.equal(q.add('4', 'D').seq, 10);
});

test('without a usable storage the queue still works, in memory', () => {
  for (const backend of [refusingStorage, null, undefined]) {
    const q = new SaveQueue(jsonStorage(backend, PREFIX));
    assert.equal(q.length, 0);
    q.add('1', 'A');
    q.add('1', 'B');
    assert.equal(q.adopt('paper-1', 0), false);
    roundTrip(q);
    assert.equal(q.length, 0);
    assert.equal(q.close(), 0);
  }
});

test('at the end the queue is closed: what never arrived is counted, the seq is kept', () => {
  const disk = memoryStorage();
  const q = queued(disk, [['1', 'A'], ['2', 'B']], 'paper-1');
  assert.equal(q.close(), 2);
  assert.equal(q.length, 0);
  assert.equal(disk.data.has(PREFIX + 'queue'), false);
  assert.equal(disk.data.has(PREFIX + 'paper'), false);
  assert.equal(page(disk).lastSeq, 2);
});

test('retries wait 1 s, then twice as long up to 5 s, and 1 s again once the server answers', () => {
  const b = new Backoff(1000, 5000);
  assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [1000, 2000, 4000, 5000, 5000]);
  b.reset();
  assert.equal(b.next(), 1000);
});
