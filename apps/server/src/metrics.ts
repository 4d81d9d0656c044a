/** Counters behind `GET /metrics` (Prometheus text format 0.0.4). */

export interface MetricsSnapshot {
  /** HTTP requests answered, by `"METHOD route status"`. */
  readonly requests: Readonly<Record<string, number>>;
  readonly promptTokens: number;
  readonly generatedTokens: number;
  /** Finished generations by finish reason (`stop`, `length`, `eos`, `abort`, `context`, `error`). */
  readonly generations: Readonly<Record<string, number>>;
  /** Seconds spent generating (after the prompt), summed over generations. */
  readonly generateSeconds: number;
  readonly promptSeconds: number;
  /** Tokens per second of the most recent generation. */
  readonly lastTokensPerSecond: number;
  readonly inFlight: number;
  readonly queued: number;
}

export class Metrics {
  private readonly requests = new Map<string, { method: string; route: string; status: number; n: number }>();
  private readonly generations = new Map<string, number>();
  promptTokens = 0;
  generatedTokens = 0;
  generateSeconds = 0;
  promptSeconds = 0;
  lastTokensPerSecond = 0;
  inFlight = 0;

  constructor(private readonly queued: () => number) {}

  countRequest(method: string, route: string, status: number): void {
    const key = `${method} ${route} ${status}`;
    const e = this.requests.get(key);
    if (e) e.n++;
    else this.requests.set(key, { method, route, status, n: 1 });
  }

  countGeneration(
    finishReason: string,
    r?: { promptTokens: number; completionTokens: number; promptMs: number; generateMs: number },
  ): void {
    this.generations.set(finishReason, (this.generations.get(finishReason) ?? 0) + 1);
    if (!r) return;
    this.promptTokens += r.promptTokens;
    this.generatedTokens += r.completionTokens;
    this.promptSeconds += r.promptMs / 1000;
    this.generateSeconds += r.generateMs / 1000;
    if (r.completionTokens > 0 && r.generateMs > 0)
      this.lastTokensPerSecond = (r.completionTokens * 1000) / r.generateMs;
  }

  snapshot(): MetricsSnapshot {
    return {
      requests: Object.fromEntries([...this.requests].map(([k, v]) => [k, v.n])),
      promptTokens: this.promptTokens,
      generatedTokens: this.generatedTokens,
      generations: Object.fromEntries(this.generations),
      generateSeconds: this.generateSeconds,
      promptSeconds: this.promptSeconds,
      lastTokensPerSecond: this.lastTokensPerSecond,
      inFlight: this.inFlight,
      queued: this.queued(),
    };
  }

  /** The Prometheus text exposition. */
  render(): string {
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${Number.isFinite(v) ? v : 0}`);
    };
    const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    metric(
      'llamats_requests_total',
      'counter',
      'HTTP requests answered, by method, route and status.',
      [...this.requests.values()].map((r) => [
        `{method="${esc(r.method)}",route="${esc(r.route)}",status="${r.status}"}`,
        r.n,
      ]),
    );
    metric('llamats_prompt_tokens_total', 'counter', 'Prompt tokens of finished generations.', [
      ['', this.promptTokens],
    ]);
    metric('llamats_tokens_generated_total', 'counter', 'Tokens generated.', [['', this.generatedTokens]]);
    metric(
      'llamats_generations_total',
      'counter',
      'Finished generations, by finish reason.',
      [...this.generations].map(([k, v]) => [`{finish_reason="${esc(k)}"}`, v]),
    );
    metric('llamats_prompt_seconds_total', 'counter', 'Seconds spent evaluating prompts.', [['', this.promptSeconds]]);
    metric('llamats_generation_seconds_total', 'counter', 'Seconds spent generating tokens after the prompt.', [
      ['', this.generateSeconds],
    ]);
    metric('llamats_tokens_per_second', 'gauge', 'Generation speed of the most recent generation.', [
      ['', this.lastTokensPerSecond],
    ]);
    metric('llamats_requests_in_flight', 'gauge', 'Generations running now.', [['', this.inFlight]]);
    metric('llamats_requests_queued', 'gauge', 'Requests waiting for a free slot.', [['', this.queued()]]);
    return `${lines.join('\n')}\n`;
  }
}
