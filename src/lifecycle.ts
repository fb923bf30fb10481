/**
 * Releasing what a component opened. Every step runs even when an earlier one fails, so that one
 * failing close (a Redis command timing out, a socket already gone) never leaves pools,
 * connections or timers behind; the failures are reported together once every step has run.
 */

export interface ReleaseStep {
  /** Names the step in the error, e.g. `"redis"`. */
  readonly name: string;
  readonly release: () => unknown;
}

/** Runs each step in order; rejects afterwards with one AggregateError naming every step that failed. */
export async function releaseAll(steps: Iterable<ReleaseStep>): Promise<void> {
  const failures: Error[] = [];
  for (const step of steps) {
    try {
      await step.release();
    } catch (error) {
      failures.push(new Error(`${step.name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, `Could not release everything: ${failures.map((failure) => failure.message).join('; ')}.`);
}

/**
 * What has been opened so far, released last-opened first: start-up opens what others depend on
 * first, so the reverse order is the one a shutdown needs (and a start-up that fails half-way
 * releases exactly what it had opened).
 */
export class OpenedResources {
  private readonly steps: ReleaseStep[] = [];

  add(name: string, release: () => unknown): void {
    this.steps.unshift({ name, release });
  }

  /** Releases everything once; later calls find nothing left to release. */
  release(): Promise<void> {
    return releaseAll(this.steps.splice(0));
  }
}

/** A start-up that cannot go on for a reason the operator can fix (the port is taken): reported as its message alone. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
