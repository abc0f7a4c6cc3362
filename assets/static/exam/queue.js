/* The offline queue of saves: every change the candidate makes, kept until the server has stored
   it. Pure: no DOM, no network and no localStorage of its own — the page hands in a store (JSON
   values by name, see jsonStorage) and does the sending, so this file runs under `node --test`.

   The rules it keeps:
   - Every change gets a sequence number above every number used before (also across reloads:
     the last one is stored), and waits in seq order; the queue is persisted on every change.
   - A newer value replaces a queued, unsent one for the same slot; the new entry takes a fresh
     seq. The open-question choice ('open') is never merged: texts saved while a question was
     chosen must reach the server before the choice changes.
   - Only what the server acknowledged ("saved" or "stale": both durable) leaves the queue. */

/** At most this many saves go in one request. */
export const MAX_BATCH = 200;

/**
 * JSON values by name in a Storage (localStorage, sessionStorage), each name under `prefix`.
 * Nothing here throws: a missing or unusable storage, a full one (private mode) or a value that
 * is not JSON reads as the fallback, and writes that fail are dropped.
 */
export function jsonStorage(backend, prefix) {
  return {
    get(name, fallback) {
      try {
        const v = backend.getItem(prefix + name);
        return v === null ? fallback : JSON.parse(v);
      } catch (e) { return fallback; }
    },
    set(name, value) {
      try { backend.setItem(prefix + name, JSON.stringify(value)); } catch (e) { /* full or private */ }
    },
    remove(name) {
      try { backend.removeItem(prefix + name); } catch (e) { /* ignore */ }
    },
  };
}

function isEntry(e) {
  return e !== null && typeof e === 'object' && Number.isSafeInteger(e.seq) && e.seq > 0
    && typeof e.slot === 'string' && typeof e.value === 'string';
}

/** What was stored as the queue, with anything that is not a well-formed entry left out. */
function restoreEntries(stored) {
  if (!Array.isArray(stored)) return [];
  const seen = new Set();
  const entries = [];
  for (const e of stored) {
    if (!isEntry(e) || seen.has(e.seq)) continue;
    seen.add(e.seq);
    entries.push({ seq: e.seq, slot: e.slot, value: e.value });
  }
  return entries.sort((a, b) => a.seq - b.seq);
}

function highestSeq(entries, atLeast) {
  return entries.reduce((max, e) => Math.max(max, e.seq), atLeast);
}

export class SaveQueue {
  /** `store`: {get(name, fallback), set(name, value), remove(name)}, e.g. jsonStorage(localStorage, …). */
  constructor(store) {
    this.store = store;
    this.entries = restoreEntries(store.get('queue', []));
    const seq = store.get('seq', 0);
    this.lastSeq = highestSeq(this.entries, Number.isSafeInteger(seq) && seq > 0 ? seq : 0);
    /** The seqs of the batch on the wire, or null. */
    this.inflight = null;
    /** After a malformed batch (400/422): one save per request, to find the bad one. */
    this.singleMode = false;
  }

  get length() { return this.entries.length; }

  /** Whether a change to `slot` is waiting. */
  has(slot) { return this.entries.some((e) => e.slot === slot); }

  /** A copy of what is waiting, oldest first. */
  snapshot() { return this.entries.map((e) => Object.assign({}, e)); }

  persist() { this.store.set('queue', this.entries); }

  nextSeq() {
    this.lastSeq += 1;
    this.store.set('seq', this.lastSeq);
    return this.lastSeq;
  }

  /** Records a change; it is stored before it is sent. Returns the new entry. */
  add(slot, value) {
    const seq = this.nextSeq();
    if (slot !== 'open') {
      this.entries = this.entries.filter((e) => e.slot !== slot || (this.inflight && this.inflight.has(e.seq)));
    }
    const entry = { seq, slot, value };
    this.entries.push(entry);
    this.persist();
    return entry;
  }

  /** The next batch to send, oldest first, now on the wire; null while one is on the wire or
      when nothing waits. */
  take() {
    if (this.inflight || this.entries.length === 0) return null;
    const batch = this.entries.slice(0, this.singleMode ? 1 : MAX_BATCH);
    this.inflight = new Set(batch.map((e) => e.seq));
    return batch;
  }

  /** The batch on the wire came back (answered or not); what it held is still queued. */
  landed() { this.inflight = null; }

  /**
   * The server's per-save answer to `batch` ([{seq, status, code?, message?}]). Saves it stored
   * ("saved", or "stale": a newer one was already there) leave the queue; the others are
   * refused and stay until the caller decides (see refusalAction).
   * Returns {stored: how many left, refused: the refused results, saved: the sent entries the
   * server now holds as the slot's value, in answer order}.
   */
  acknowledge(batch, results) {
    const refused = [];
    const stored = new Set();
    const saved = [];
    for (const r of results) {
      if (r.status === 'saved' || r.status === 'stale') stored.add(r.seq);
      else refused.push(r);
      const sent = batch.find((e) => e.seq === r.seq);
      if (sent && r.status === 'saved') saved.push(sent);
    }
    if (stored.size) {
      this.entries = this.entries.filter((e) => !stored.has(e.seq));
      this.persist();
    }
    return { stored: stored.size, refused, saved };
  }

  /** Drops entries the server will never take; returns the slots they were for. */
  drop(seqs) {
    const gone = new Set(seqs);
    const slots = this.entries.filter((e) => gone.has(e.seq)).map((e) => e.slot);
    this.entries = this.entries.filter((e) => !gone.has(e.seq));
    this.persist();
    return slots;
  }

  /** The server called `batch` malformed (400/422). Several saves: send them one at a time to
      find the bad one (returns null). One: it can never be stored and is dropped (returned). */
  malformed(batch) {
    if (batch.length > 1) {
      this.singleMode = true;
      return null;
    }
    this.drop([batch[0].seq]);
    return batch[0];
  }

  /** After an answer: once nothing waits, batches are whole again. */
  settle() {
    if (this.entries.length === 0) this.singleMode = false;
  }

  /**
   * Entering the exam with paper `paperId`, whose saves the server holds up to `serverMaxSeq`.
   * What this browser kept belongs to one paper: anything kept for another (a re-created demo
   * under the same ticket, say) is discarded, and true is returned so the page drops its own
   * per-paper state. Entries at or below the server's highest seq were stored before the page
   * was reloaded and leave; the rest are newer than anything the server holds, so they stay
   * to be sent — and win.
   */
  adopt(paperId, serverMaxSeq) {
    const owner = this.store.get('paper', null);
    const foreign = owner !== null && owner !== paperId;
    if (foreign) {
      this.entries = [];
      this.lastSeq = 0;
    }
    this.store.set('paper', paperId);
    const serverSeq = Number.isSafeInteger(serverMaxSeq) ? serverMaxSeq : 0;
    this.lastSeq = highestSeq(this.entries, Math.max(this.lastSeq, serverSeq));
    this.store.set('seq', this.lastSeq);
    this.entries = this.entries.filter((e) => e.seq > serverSeq);
    this.persist();
    return foreign;
  }

  /** The sitting is over: nothing more will be sent (the seq is kept). Returns how many
      changes never reached the server. */
  close() {
    const lost = this.entries.length;
    this.entries = [];
    this.store.remove('queue');
    this.store.remove('paper');
    return lost;
  }
}

/**
 * What the page does with saves the server refused, from the sitting's state read right after
 * (null when it could not be read: offline or logged out) and the refusal's stable `code`:
 * 'keep' them queued (offline, logged out, paused: sent again on resume; submitted: the end
 * page reports them as lost), 'block' this workstation (the candidate was moved to another one:
 * nothing more is sent from here), or 'drop' them and show what the server holds (a reason of
 * their own, e.g. text for a question no longer chosen).
 */
export function refusalAction(state, code) {
  if (state === null || state === undefined || state === 'paused' || state === 'submitted') return 'keep';
  if (code === 'moved') return 'block';
  return 'drop';
}

/** The wait before sending again after a failure: 1 s, doubling to 5 s; back to 1 s once the
    server answers. */
export class Backoff {
  constructor(first = 1000, max = 5000) {
    this.first = first;
    this.max = max;
    this.delay = first;
  }

  /** The wait for this retry; the next one waits longer. */
  next() {
    const d = this.delay;
    this.delay = Math.min(this.delay * 2, this.max);
    return d;
  }

  reset() { this.delay = this.first; }
}
