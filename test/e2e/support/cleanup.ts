/**
 * A stack of teardown steps for one test: each resource registers how to stop itself right after it
 * started, and `run()` (from afterEach) stops them in reverse order even when the test failed.
 */
export class Cleanup {
  readonly #steps: Array<() => PromiseLike<void> | void> = [];

  defer(step: () => PromiseLike<void> | void): void {
    this.#steps.push(step);
  }

  /** Adopts an AsyncDisposable and returns it. */
  use<T extends AsyncDisposable>(resource: T): T {
    this.defer(() => resource[Symbol.asyncDispose]());
    return resource;
  }

  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (let step = this.#steps.pop(); step !== undefined; step = this.#steps.pop()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'cleanup failed');
  }
}
