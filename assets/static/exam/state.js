/* What the exam page knows: its settings (from the page's data attributes and address), the one
   state object every module reads and changes, the save queue and the countdown. Loading this
   module only reads; nothing is sent or drawn until main.js starts. */
import { SaveQueue, Backoff, jsonStorage } from './queue.js';
import { Countdown } from './countdown.js';
import { chosenIn, isAnswered } from './paper.js';

const app = document.getElementById('app');
const TICKET = app.dataset.ticket;
export const MAX_OPEN_CHARS = parseInt(app.dataset.maxOpenChars, 10) || 5000;
export const OPEN_TO_ANSWER = parseInt(app.dataset.openAnswered, 10) || 3;

// How often the status (time, pause, submission) is re-read while answering. A test rig may
// ask for a faster rhythm with ?sync=SECONDS (1–30).
const syncParam = parseFloat(new URLSearchParams(location.search).get('sync'));
export const SYNC_MS = syncParam >= 1 && syncParam <= 30 ? syncParam * 1000 : 15000;
// Waiting for the room to open or for a pause to end: the page must react quickly.
export const FAST_SYNC_MS = Math.min(3000, SYNC_MS);
export const TEXT_SAVE_DELAY_MS = 800;

function browserStorage(name) {
  try { return window[name]; } catch (e) { return null; } // blocked by the browser's settings
}

// Kept per ticket: the queue, the last seq, the paper it belongs to, the flags (localStorage);
// the item on screen (sessionStorage: this tab only).
const PREFIX = 'kaowu.' + TICKET + '.';
export const local = jsonStorage(browserStorage('localStorage'), PREFIX);
export const tab = jsonStorage(browserStorage('sessionStorage'), PREFIX);

export const queue = new SaveQueue(local);
export const retry = new Backoff(1000, 5000);
// The sitting's length (a rehearsal's is short): the warnings are scaled to it.
export const DURATION_MINUTES = parseInt(app.dataset.duration, 10) || 180;
export const countdown = new Countdown(() => performance.now(), DURATION_MINUTES);

const storedFlags = local.get('flags', []);

export const S = {
  state: null,            // not_started | in_progress | paused | submitted
  roomOpen: false,
  autoStart: false,       // the candidate waited for the room: start by itself when it opens
  starting: false,
  entering: null,         // the paper being loaded (once)
  paper: null,
  views: [],              // every item and open question, in paper order (paper.js)
  current: 0,
  answers: {},            // slot → value as the candidate sees it
  committed: {},          // slot → the last value queued or confirmed (text saves only on change)
  confirmed: {},          // slot → the value the server acknowledged last
  flags: new Set(Array.isArray(storedFlags) ? storedFlags.filter((f) => typeof f === 'string') : []),
  net: 'ok',              // ok | offline
  netWhy: 'offline',      // offline (no answer) | server (answered, did not take the saves)
  retryTimer: null,
  blocked: null,          // paused | moved | session | submitted: do not send
  textTimers: {},         // slot → the timer that queues typed text
  everSaved: false,
  pollTimer: null,
  expirySync: null,
  paperAt: null,          // started before the published start: performance.now() when the paper appears
  live: null,             // the live feed (EventSource), while open
  done: false,
};

export const $ = (id) => document.getElementById(id);

/** Whether a change to `slot` has not reached the server yet (queued, or typed and not queued). */
export function pending(slot) {
  return queue.has(slot) || Boolean(S.textTimers[slot]);
}

/** How many changes have not reached the server yet. */
export function waiting() {
  return queue.length + Object.keys(S.textTimers).length;
}

/** The open questions chosen, in order. */
export function chosen() { return chosenIn(S.answers.open); }

export function hasAnswer(view) { return isAnswered(view, S.answers); }
