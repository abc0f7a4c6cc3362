/* The countdown's arithmetic. The server owns the time: the page shows the remaining time the
   server last reported minus the time elapsed since on a monotonic clock (performance.now, immune
   to the PC's clock), re-synced from every status poll and every save response. Pure: the clock
   is passed in, so this file runs under `node --test`. */

/** The warnings, in minutes left of the full 180-minute exam. */
export const WARN_MINUTES = [30, 15, 5];
export const FULL_MINUTES = 180;

/** A warning's moment, in milliseconds left, scaled to a sitting of `durationMinutes` (a
    rehearsal of 6 minutes warns at 60, 30 and 10 seconds). */
export function warnAt(minutes, durationMinutes = FULL_MINUTES) {
  return Math.round(minutes * 60000 * durationMinutes / FULL_MINUTES);
}

/** How the countdown looks with `ms` left: 'danger' from the last warning, 'warn' from the first. */
export function level(ms, durationMinutes = FULL_MINUTES) {
  return ms <= warnAt(5, durationMinutes) ? 'danger' : ms <= warnAt(30, durationMinutes) ? 'warn' : 'normal';
}

/** A warning's time left in words: "30 分钟", or "10 秒" under a minute (rehearsals). */
export function leftWords(ms) {
  return ms >= 60000 ? Math.round(ms / 60000) + ' 分钟' : Math.round(ms / 1000) + ' 秒';
}

export class Countdown {
  /** `now`: milliseconds on a monotonic clock, e.g. () => performance.now(); `durationMinutes`:
      the sitting's length, to which the warnings are scaled. */
  constructor(now, durationMinutes = FULL_MINUTES) {
    this.now = now;
    this.duration = durationMinutes;
    this.base = 0;
    this.at = 0;
    this.running = false;
    this.known = false;
    this.lastShown = null;
    this.warned = new Set();
  }

  /** The server said `remainingMs` at `at` (on the same clock as `now`); it runs unless paused. */
  sync(remainingMs, at, running) {
    this.base = remainingMs;
    this.at = at;
    this.running = running;
    this.known = true;
  }

  /** Milliseconds left now, or null before the server has said. */
  remaining() {
    if (!this.known) return null;
    return this.running ? Math.max(0, this.base - (this.now() - this.at)) : this.base;
  }

  /**
   * `ms` is being shown: the warning to give now (the milliseconds left at the smallest warning
   * crossed since the last showing, each given once), or null. Warnings already passed when the
   * page loaded are not given.
   */
  shown(ms) {
    let warning = null;
    const at = (m) => warnAt(m, this.duration);
    if (this.lastShown === null) {
      for (const m of WARN_MINUTES) if (ms <= at(m)) this.warned.add(m);
    } else {
      const crossed = WARN_MINUTES.filter((m) => this.lastShown > at(m) && ms <= at(m) && !this.warned.has(m));
      if (crossed.length) {
        crossed.forEach((m) => this.warned.add(m));
        warning = at(Math.min(...crossed));
      }
    }
    this.lastShown = ms;
    return warning;
  }
}
