// The countdown (exam/countdown.js): the server's time, counted down on the page's own clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Countdown, level, warnAt, leftWords } from '../exam/countdown.js';

const MIN = 60000;

/** A countdown on a clock the test moves. */
function countdownAt(start = 1000) {
  const clock = { t: start };
  const c = new Countdown(() => clock.t);
  return { c, clock };
}

test('the time left is what the server said, less what passed since, and stands still while paused', () => {
  const { c, clock } = countdownAt();
  assert.equal(c.remaining(), null, 'nothing to show before the server says');
  c.sync(180 * MIN, clock.t, true);
  clock.t += 90 * 1000;
  assert.equal(c.remaining(), 180 * MIN - 90 * 1000);
  c.sync(20 * MIN, clock.t, false); // paused
  clock.t += 10 * MIN;
  assert.equal(c.remaining(), 20 * MIN);
  c.sync(20 * MIN, clock.t, true);
  clock.t += 30 * MIN;
  assert.equal(c.remaining(), 0, 'never below zero');
});

test('each warning is given once, the nearest when several are crossed at once', () => {
  const { c } = countdownAt();
  assert.equal(c.shown(31 * MIN), null);
  assert.equal(c.shown(30 * MIN + 1), null);
  assert.equal(c.shown(30 * MIN), 30 * MIN);
  assert.equal(c.shown(29 * MIN), null, 'once');
  assert.equal(c.shown(4 * MIN), 5 * MIN, '15 is passed over in the same jump');
  assert.equal(c.shown(3 * MIN), null);
  assert.equal(c.shown(0), null);
});

test('warnings already passed when the page loaded are not given again', () => {
  const { c } = countdownAt();
  assert.equal(c.shown(14 * MIN), null, 'the first showing warns of nothing');
  assert.equal(c.shown(10 * MIN), null);
  assert.equal(c.shown(5 * MIN), 5 * MIN);
});

test('a rehearsal of six minutes warns at one minute, thirty seconds and ten seconds', () => {
  const clock = { t: 0 };
  const c = new Countdown(() => clock.t, 6);
  assert.deepEqual([30, 15, 5].map((m) => warnAt(m, 6)), [60000, 30000, 10000]);
  assert.equal(c.shown(61000), null);
  assert.equal(c.shown(60000), 60000);
  assert.equal(leftWords(60000), '1 分钟');
  assert.equal(c.shown(29000), 30000);
  assert.equal(leftWords(30000), '30 秒');
  assert.equal(c.shown(9000), 10000);
  assert.equal(level(11000, 6), 'warn');
  assert.equal(level(10000, 6), 'danger');
  assert.equal(leftWords(30 * MIN), '30 分钟');
});

test('the countdown turns amber at 30 minutes and red at 5', () => {
  assert.equal(level(31 * MIN), 'normal');
  assert.equal(level(30 * MIN), 'warn');
  assert.equal(level(5 * MIN + 1), 'warn');
  assert.equal(level(5 * MIN), 'danger');
  assert.equal(level(0), 'danger');
});
