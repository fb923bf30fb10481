/**
 * A demo execution is not simulated step by step: it is a fixed timeline of wire bodies, and a
 * request reads the body for the time elapsed since the execution started. State is therefore a
 * pure function of the clock: nothing to tick, nothing to stop, deterministic under a fake clock.
 * The one thing that changes a timeline after the fact is a request that changes the execution
 * (a Polos cancel): it keeps the past and replaces the future.
 */

export interface Moment<S> {
  /** Nominal milliseconds since the execution started, before the clock's timeScale. */
  readonly atMs: number;
  readonly state: S;
}

class Timeline<S> {
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

  get lastAtMs(): number {
    return this.moments.at(-1)!.atMs;
  }

  /** The moments reached by `elapsedMs`: the past, which a later change must keep. */
  until(elapsedMs: number): Moment<S>[] {
    return this.moments.filter((moment) => moment.atMs <= elapsedMs);
  }
}

export interface DemoClock {
  readonly now: () => number;
  /** Wall-clock milliseconds per nominal millisecond: 0.01 plays a 30 s timeline in 300 ms. */
  readonly timeScale: number;
}

/** The wall-clock time of a nominal offset in one execution, for the timestamps in its bodies. */
export type WallTime = (atMs: number) => Date;

interface Run<S> {
  readonly startMs: number;
  readonly wallTime: WallTime;
  timeline: Timeline<S>;
}

/** An execution as it is now, for list endpoints. */
export interface Current<S> {
  readonly id: string;
  readonly state: S;
}

/** The executions of one demo upstream, by upstream id. */
export class ExecutionStore<S> {
  private readonly runs = new Map<string, Run<S>>();

  constructor(private readonly clock: DemoClock) {}

  /** `startMs` lets executions that belong together (a parent and its child) share one start. */
  add(id: string, build: (wallTime: WallTime) => readonly Moment<S>[], startMs = this.clock.now()): void {
    if (this.runs.has(id)) throw new Error(`Demo execution ${id} already exists.`);
    const wallTime: WallTime = (atMs) => new Date(startMs + atMs * this.clock.timeScale);
    this.runs.set(id, { startMs, wallTime, timeline: new Timeline(build(wallTime)) });
  }

  stateOf(id: string): S | undefined {
    const run = this.runs.get(id);
    return run?.timeline.stateAt(this.elapsed(run));
  }

  /** The states an execution went through so far, with the wall-clock time of each: what it has pushed. */
  history(id: string): { readonly at: number; readonly state: S }[] {
    const run = this.runs.get(id);
    if (!run) return [];
    return run.timeline.until(this.elapsed(run)).map((moment) => ({ at: run.wallTime(moment.atMs).getTime(), state: moment.state }));
  }

  /** When (wall clock, ms) an execution's last moment comes: when it ends. */
  endsAt(id: string): number | undefined {
    const run = this.runs.get(id);
    return run ? run.wallTime(run.timeline.lastAtMs).getTime() : undefined;
  }

  /** Every execution that exists now (its first moment has passed), in the order they were added. */
  current(): Current<S>[] {
    const current: Current<S>[] = [];
    for (const [id, run] of this.runs) {
      const state = run.timeline.stateAt(this.elapsed(run));
      if (state !== undefined) current.push({ id, state });
    }
    return current;
  }

  /**
   * Replaces an execution's future: the moments reached so far stay, and `future` (given the
   * current state, the nominal offset of now, and the execution's wall time) lists the ones that
   * follow; a moment at `nowMs` takes effect at once. An execution whose first moment has not come
   * yet is dropped instead: it will never exist. Returns the state now, after the change.
   */
  rewrite(id: string, future: (state: S, nowMs: number, wallTime: WallTime) => readonly Moment<S>[]): S | undefined {
    const run = this.runs.get(id);
    if (!run) return undefined;
    const nowMs = this.elapsed(run);
    const state = run.timeline.stateAt(nowMs);
    if (state === undefined) {
      this.runs.delete(id);
      return undefined;
    }
    run.timeline = new Timeline([...run.timeline.until(nowMs), ...future(state, nowMs, run.wallTime)]);
    return run.timeline.stateAt(nowMs);
  }

  private elapsed(run: Run<S>): number {
    return (this.clock.now() - run.startMs) / this.clock.timeScale;
  }
}
