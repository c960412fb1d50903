/**
 * Calls `fire` at most once every `spacingMs`: a call within the spacing is deferred to its
 * end, and every further call meanwhile joins that one. A storm of events (or of forged
 * queue messages) becomes one pass every `spacingMs`, never a storm of passes.
 */
export class SpacedTrigger {
  private last = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private readonly spacingMs: number;
  private readonly fire: () => void;
  private readonly now: () => number;

  constructor(spacingMs: number, fire: () => void, now: () => number = Date.now) {
    this.spacingMs = spacingMs;
    this.fire = fire;
    this.now = now;
  }

  request(): void {
    if (this.timer) return;
    const wait = this.last + this.spacingMs - this.now();
    if (wait <= 0) return this.go();
    this.timer = setTimeout(() => this.go(), wait);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private go(): void {
    this.timer = undefined;
    this.last = this.now();
    this.fire();
  }
}
