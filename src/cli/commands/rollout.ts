import { Flags } from '@oclif/core';
import { EXIT, TagwayCommand, durationFlag, formatFlag } from '../base.js';
import { signalExit, stopOnSignals } from '../signals.js';

export default class Rollout extends TagwayCommand {
  static override summary = "Move a service's progressive canary through its steps, with health checks between them.";
  static override description = `For a service whose canary in the group's overlay has steps: (e.g. [5, 25, 50, 100]), sets the canary's traffic-split weight to each step in turn on every gateway of the group, and after each one runs the group's health checks (checks: in group.yaml: probes through each gateway's proxy_url, metric checks of the service's routes). A step whose checks fail is taken back and the weight set back to 0% on every gateway; the command stops with exit status 1. Between steps it waits the canary's pause: seconds.

The gateways must run the group's snapshot first (tagway sync). The weight reached is kept on each gateway's APISIX service (label tagway.canary-weight): a sync keeps it, status --live does not call it drift, and a rollout stopped by --deadline or a signal resumes from it. At 100% it prints the edit that makes the canary the primary. See docs/health-checks.md.

Exit status: 0 every step passed, 1 a step failed (the weight is back to 0%), the deadline passed or the group does not compile, 2 usage or runtime error, 130 / 143 stopped by SIGINT / SIGTERM (the weight reached stays).`;
  static override examples = [
    '<%= config.bin %> rollout --group staging --service petstore',
    '<%= config.bin %> rollout --group production --service orders --deadline 30m --format json',
  ];
  static override flags = {
    group: Flags.string({ description: 'The gateway group.', required: true }),
    service: Flags.string({ description: 'The service whose canary moves.', required: true }),
    deadline: Flags.string({ description: 'Start no step after this long (30m, 1h); the weight reached stays.' }),
    format: formatFlag(['text', 'json'], 'text'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Rollout);
    const deadlineMs = flags.deadline === undefined ? undefined : durationFlag('--deadline', flags.deadline);
    const [{ runCanaryRollout }, { renderCanaryRollout, stepLine }] = await this.library(Promise.all([import('../../app/canary-rollout.js'), import('../render/canary.js')]));
    const stop = stopOnSignals();
    try {
      const outcome = await runCanaryRollout({
        cwd: flags.cwd,
        group: flags.group,
        service: flags.service,
        env: process.env,
        signal: stop.signal,
        onEvent: stop.onEvent,
        ...(deadlineMs !== undefined ? { deadlineMs } : {}),
        onStep: (step) => {
          if (flags.format !== 'json') process.stderr.write(`tagway: ${stepLine(step)}\n`);
        },
      });
      if (outcome.kind === 'findings') {
        await this.printDiagnostics(outcome.diagnostics, flags.format === 'json' ? 'json' : 'human', outcome.sources);
        process.exitCode = EXIT.findings;
        return;
      }
      if (flags.format === 'json') this.printJson(outcome);
      else await this.printReport(renderCanaryRollout(outcome));
      const by = stop.signal.aborted ? String(stop.signal.reason) : null;
      process.exitCode = outcome.result === 'stopped' && by !== null ? signalExit(by) : outcome.ok ? EXIT.ok : EXIT.findings;
    } finally {
      stop.release();
    }
  }
}
