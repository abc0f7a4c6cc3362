/* The countdown's arithmetic. The server owns the time: the page shows the remaining time the
   server last reported minus the time elapsed since on a monotonic clock (performance.now, immune
   to the PC's clock), re-synced from every status poll and every save response. Pure: the clock
   is passed in, so this file runs under `node --test`. */

/** The warnings, in minutes left. */
export const WARN_MINUTES = [30, 15, 5];

/** How the countdown looks with `ms` left: 'danger' from 5 minutes, 'warn' from 30. */
export function level(ms) {
  return ms <= 5 * 60000 ? 'danger' : ms <= 30 * 60000 ? 'warn' : 'normal';
}

export class Countdown {
  /** `now`: milliseconds on a monotonic clock, e.g. () => performance.now(). */
  constructor(now) {
    this.now = now;
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
   * `ms` is being shown: the warning to give now (the smallest number of minutes crossed since
   * the last showing, each given once), or null. Warnings already passed when the page loaded
   * are not given.
   */
  shown(ms) {
    let warning = null;
    if (this.lastShown === null) {
      for (const m of WARN_MINUTES) if (ms <= m * 60000) this.warned.add(m);
    } else {
      const crossed = WARN_MINUTES.filter((m) => this.lastShown > m * 60000 && ms <= m * 60000 && !this.warned.has(m));
      if (crossed.length) {
        crossed.forEach((m) => this.warned.add(m));
        warning = Math.min(...crossed);
      }
    }
    this.lastShown = ms;
    return warning;
  }
}
