// Calls that arrive while earlier ones are still with the database go
// together in the next round trip ("natural" batching, as group commit does):
// a lone call is sent at once, so nothing waits for a timer, and under load
// one statement carries many calls, which saves the driver, the socket and
// the database a round trip, a statement and a transaction per call.

/** What a batch gives each of its calls: a result, or an error of that call alone. */
export type Outcome<O> = { value: O } | { error: unknown };

export interface BatcherOptions {
  /** Batches with the database at once; the next one gathers meanwhile. */
  inFlight: number;
  /** Calls per batch at most. */
  maxSize: number;
}

interface Call<I, O> {
  input: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
}

export class Batcher<I, O> {
  private waiting: Call<I, O>[] = [];
  private running = 0;

  /**
   * `run` answers a batch with one outcome per input, in order. When it
   * throws, every call of the batch gets that error.
   */
  constructor(
    private readonly run: (inputs: I[]) => Promise<Outcome<O>[]>,
    private readonly options: BatcherOptions,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ input, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < this.options.inFlight && this.waiting.length > 0) {
      const batch = this.waiting.length <= this.options.maxSize ? this.waiting : this.waiting.slice(0, this.options.maxSize);
      this.waiting = batch === this.waiting ? [] : this.waiting.slice(batch.length);
      this.running++;
      void this.send(batch);
    }
  }

  private async send(batch: Call<I, O>[]): Promise<void> {
    try {
      const outcomes = await this.run(batch.map((call) => call.input));
      batch.forEach((call, i) => {
        const outcome = outcomes[i];
        if (!outcome) call.reject(new Error(`the batch answered ${outcomes.length} of ${batch.length} calls`));
        else if ("error" in outcome) call.reject(outcome.error);
        else call.resolve(outcome.value);
      });
    } catch (error) {
      for (const call of batch) call.reject(error);
    } finally {
      this.running--;
      this.pump();
    }
  }
}
