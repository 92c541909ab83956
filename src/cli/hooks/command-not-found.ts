/**
 * oclif's `command_not_found` hook: an unknown command is a usage error (exit 2) that names the
 * closest command when there is one (`tagway sycn` → `tagway sync`), and otherwise the commands
 * there are. Nothing is run in its place: a guess is a hint, never an action.
 */
import type { Hook } from '@oclif/core';
import { didYouMean } from '../../core/did-you-mean.js';
import { EXIT } from '../base.js';

const hook: Hook<'command_not_found'> = async function ({ id, config }) {
  process.stderr.write(unknownCommandMessage(id, config.bin, visibleCommands(config.commands)));
  process.exitCode = EXIT.error;
};

export default hook;

function visibleCommands(commands: readonly { readonly id: string; readonly hidden?: boolean }[]): string[] {
  return commands.filter((c) => c.hidden !== true).map((c) => c.id);
}

/** The message of an unknown command: the command as typed, and the closest one or the list. */
export function unknownCommandMessage(id: string, bin: string, commands: readonly string[]): string {
  // With a space as topic separator oclif joins the words it could not place with `:`.
  const typed = id.replace(/:/g, ' ');
  const guess = didYouMean(typed.split(' ')[0] ?? typed, commands);
  const hint = guess !== null ? `Did you mean \`${bin} ${guess}\`?` : `Commands: ${[...commands].sort().join(', ')}.`;
  return `error: there is no command \`${typed}\`\n  hint: ${hint} \`${bin} --help\` lists every command.\n`;
}
