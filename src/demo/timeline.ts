/**
 * A demo execution is not simulated step by step: it is a fixed timeline of wire bodies, and a
 * request reads the body for the time elapsed since the execution started. State is therefore a
 * pure function of the clock: nothing to tick, nothing to stop, deterministic under a fake clock.
 */

export interface Moment<S> {
  /** Nominal milliseconds since the execution started, before the clock's timeScale. */
  readonly atMs: number;
  readonly state: S;
}

export class Timeline<S> {
  private readonly moments: readonly Moment<S>[];

  constructor(moments: readonly Moment<S>[]) {
    if (moments.length === 0) throw new Error('A timeline needs at least one moment.');
    // A stable sort: of two moments at the same offset, the one listed last wins.
    this.moments = [...moments].sort((a, b) => a.atMs - b.atMs);
  }

  /** The latest state reached; undefined before the first moment, when the execution does not exist yet. */
  stateAt(elapsedMs: number): S | undefined {
    let current: S | undefined;
    for (const moment of this.moments) {
      if (moment.atMs > elapsedMs) break;
      current = moment.state;
    }
    return current;
  }
}

export interface DemoClock {
  readonly now: () => number;
  /** Wall-clock milliseconds per nominal millisecond: 0.01 plays a 30 s timeline in 300 ms. */
  readonly timeScale: number;
}

/** The wall-clock time of a nominal offset in one execution, for the timestamps in its bodies. */
export type WallTime = (atMs: number) => Date;

/** The executions of one demo upstream, by upstream id. */
export class ExecutionStore<S> {
  private readonly runs = new Map<string, { readonly startMs: number; readonly timeline: Timeline<S> }>();

  constructor(private readonly clock: DemoClock) {}

  /** `startMs` lets executions that belong together (a parent and its child) share one start. */
  add(id: string, build: (wallTime: WallTime) => readonly Moment<S>[], startMs = this.clock.now()): void {
    if (this.runs.has(id)) throw new Error(`Demo execution ${id} already exists.`);
    const wallTime: WallTime = (atMs) => new Date(startMs + atMs * this.clock.timeScale);
    this.runs.set(id, { startMs, timeline: new Timeline(build(wallTime)) });
  }

  stateOf(id: string): S | undefined {
    const run = this.runs.get(id);
    return run?.timeline.stateAt((this.clock.now() - run.startMs) / this.clock.timeScale);
  }
}
