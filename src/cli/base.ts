import { performance } from 'node:perf_hooks';
import { Command, Errors, Flags } from '@oclif/core';
import { parseDuration } from '../core/duration.js';
import { UserError } from '../core/errors.js';
import { didYouMean } from '../core/did-you-mean.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { MissingObjectError } from '../git/missing-object.js';
import { sourceKey } from '../model/diagnostic.js';

/** Exit codes of every command (docs/architecture.md §5). */
export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/**
 * The performance mark a command sets when its work starts: its flags parsed and the library code
 * it runs loaded (bench/startup.js reports when, after the process started).
 */
export const WORK_MARK = 'tagway:work';

/** The exit status of a command stopped by a signal, as a shell reports it: 128 + its number (SIGINT 130, SIGTERM 143). */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/**
 * Shared behaviour of tagway's commands: the `--cwd` flag, output helpers, and the one error
 * handler: a UserError prints its message and hint (exit 2), and so does a git object missing
 * from the clone (the clone is incomplete, not tagway broken); a usage error from the parser exits
 * 2; anything else is an internal error, printed with its stack and a request to report it.
 *
 * A command module imports only what its flags need; the library code a command runs is imported
 * inside `run()`, so that loading a command (and this module) costs little: the start of every
 * command pays for it (docs/performance.md, Start-up).
 */
export abstract class TagwayCommand extends Command {
  static override baseFlags = {
    cwd: Flags.directory({ char: 'C', description: 'Run as if started in this folder (any folder inside the config repository).', default: '.', helpGroup: 'GLOBAL' }),
    'no-color': Flags.boolean({ description: 'Print no colour, even on a terminal (so does the NO_COLOR environment variable).', default: false, helpGroup: 'GLOBAL' }),
  };

  /**
   * The library modules `run()` needs, imported once its flags are parsed; the command's work
   * starts when they are loaded (WORK_MARK).
   */
  protected async library<T>(modules: Promise<T>): Promise<T> {
    const loaded = await modules;
    performance.mark(WORK_MARK);
    return loaded;
  }

  protected print(text: string): void {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /**
   * Prints a text report (a diff, a sync or drift report) on stdout, coloured on a terminal
   * (render/colour.ts): a pipe or a file gets the plain text.
   */
  protected async printReport(text: string): Promise<void> {
    const { colourReport, wantsColour } = await import('./render/colour.js');
    process.stdout.write(wantsColour(process.stdout, process.env, this.argv) ? colourReport(text) : text);
    if (!text.endsWith('\n')) process.stdout.write('\n');
  }

  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * Prints findings in `format`; code frames are drawn only from `sources`, the texts of files the
   * load step accepted (see CompileResult.sources). Nothing is read from disk here: a file that was
   * refused (a link out of the repository, a FIFO) is named, never shown.
   */
  protected async printDiagnostics(diagnostics: readonly Diagnostic[], format: string, sources: ReadonlyMap<string, string> = new Map()): Promise<void> {
    const { renderGithub, renderHuman, renderJson } = await import('./render/diagnostics.js');
    if (format === 'json') return this.print(renderJson(diagnostics));
    if (format === 'github') {
      if (diagnostics.length > 0) process.stdout.write(renderGithub(diagnostics));
      return;
    }
    if (diagnostics.length === 0) return;
    const lookup = (file: string, revision: string | undefined): string | null => sources.get(sourceKey(file, revision)) ?? null;
    const { wantsColour } = await import('./render/colour.js');
    process.stderr.write(renderHuman(diagnostics, lookup, { color: wantsColour(process.stderr, process.env, this.argv) }));
  }

  /**
   * The outcome of a command that moves versions (publish, promote, rollback): JSON without the
   * file texts, or the findings on stderr then `describe()` of a change that was made (or would
   * be, with --dry-run) on stdout, or `refused` on stderr when nothing was. Sets the exit code.
   */
  protected async printVersionOutcome<T extends { readonly ok: boolean; readonly root: string; readonly diagnostics: readonly Diagnostic[]; readonly sources: ReadonlyMap<string, string> }>(
    outcome: T,
    format: string,
    describe: (made: Extract<T, { readonly ok: true }>) => string,
    refused: string,
  ): Promise<void> {
    if (format === 'json') {
      const { sources: _sources, root: _root, ...rest } = outcome;
      this.printJson(rest);
    } else {
      await this.printDiagnostics(outcome.diagnostics, 'human', outcome.sources);
      if (outcome.ok) this.print(describe(outcome as Extract<T, { readonly ok: true }>));
      else process.stderr.write(`tagway: ${refused}\n`);
    }
    process.exitCode = outcome.ok ? EXIT.ok : EXIT.findings;
  }

  /**
   * The positional arguments of a command that takes any number of them (`strict = false`): an
   * unknown flag there is a usage error, as in every other command, not a name.
   */
  protected positional(argv: readonly unknown[]): string[] {
    const args = argv.map(String);
    const flag = args.find((a) => a.startsWith('-'));
    if (flag !== undefined) throw new Errors.CLIError(`Nonexistent flag: ${flag}`);
    return args;
  }

  private wantsJson(): boolean {
    const argv = this.argv;
    return argv.some((a, i) => a === '--format=json' || (a === '--format' && argv[i + 1] === 'json'));
  }

  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    if (error instanceof UserError || error instanceof MissingObjectError) {
      process.stderr.write(`error: ${error.message}\n${error.hint ? `  hint: ${error.hint}\n` : ''}`);
      // A pipeline that asked for JSON still gets JSON on stdout.
      if (this.wantsJson()) this.printJson({ ok: false, error: { message: error.message, ...(error.hint ? { hint: error.hint } : {}) } });
      process.exitCode = EXIT.error;
      return;
    }
    if (error instanceof Errors.ExitError) throw error;
    if (error.oclif !== undefined || error instanceof Errors.CLIError) {
      // Parse and usage errors from oclif: message without stack, exit 2; a mistyped flag gets the one meant.
      const message = error.message.replace(/\n?See more help with --help\s*$/, '');
      const typed = /^Nonexistent flags?: (--?[^\s,=]+)/.exec(message)?.[1];
      const flags = Object.keys((this.constructor as typeof Command).flags ?? {});
      const near = typed === undefined ? null : didYouMean(typed.replace(/^-+/, ''), flags);
      const help = `see \`tagway ${this.id ?? ''} --help\``;
      process.stderr.write(`error: ${message}\n  hint: ${near === null ? help : `Did you mean \`--${near}\`? Or ${help}.`}\n`);
      process.exitCode = EXIT.error;
      return;
    }
    process.stderr.write(
      `internal error: ${error.stack ?? error.message}\nThis is a bug in tagway. Please report it with the command you ran and the output above.\n`,
    );
    process.exitCode = EXIT.error;
  }
}

export const formatFlag = (options: readonly string[], fallback: string) =>
  Flags.string({ description: 'Output format.', options: [...options], default: fallback });

/** The milliseconds of a duration flag (`30s`, `5m`, `1m30s`, `0`); a UserError naming the flag otherwise. */
export function durationFlag(flag: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === null) throw new UserError(`${flag} ${value} is not a duration`, 'Write it as a number with a unit: 500ms, 30s, 5m, 1h, or 1m30s.');
  return ms;
}
