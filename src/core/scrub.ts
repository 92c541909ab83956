/**
 * The secret values a run resolved (the admin keys of every target of a fleet, a git token), and
 * the one way a text from outside tagway (a gateway's error, a network error) is cleaned of them
 * before it goes into an error, a report or a log line. Each value is removed as written, as JSON
 * writes it inside a string, and percent-encoded, since a gateway may echo it in any of these.
 *
 * Immutable; the values are private, so a scrubber that ends up in a report or a log by mistake
 * prints as `{}`.
 */
export class SecretScrubber {
  static readonly none = new SecretScrubber([]);

  readonly #values: readonly string[];
  readonly #forms: readonly string[];

  constructor(values: Iterable<string>) {
    this.#values = [...values].filter((v) => v.trim() !== '');
    const forms = new Set<string>();
    for (const value of this.#values) {
      forms.add(value);
      forms.add(JSON.stringify(value).slice(1, -1));
      forms.add(encodeURIComponent(value));
    }
    // Longest first, so a value that holds another is removed whole.
    this.#forms = [...forms].sort((a, b) => b.length - a.length);
  }

  /** This scrubber with `value` added too (null: as it is). */
  with(value: string | null): SecretScrubber {
    return value === null ? this : new SecretScrubber([...this.#values, value]);
  }

  /** `text` with every form of every value replaced by `***`. */
  scrub(text: string): string {
    let out = text;
    for (const form of this.#forms) if (out.includes(form)) out = out.split(form).join('***');
    return out;
  }

  toJSON(): Record<string, never> {
    return {};
  }
}
