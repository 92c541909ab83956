/**
 * The metrics `/metrics` serves (names and labels are documented in docs/agent.md; changing one
 * breaks users' dashboards and alerts).
 */
import { Registry } from './metrics.js';

/** Upper bounds (seconds) of the reconcile duration buckets: a pass is ms when in sync, s to min when syncing. */
const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

export function createAgentMetrics() {
  const registry = new Registry();
  return {
    registry,
    reconcileDuration: registry.histogram('tagway_reconcile_duration_seconds', 'Duration of a reconcile pass (pull, then every group).', DURATION_BUCKETS),
    reconciles: registry.counter('tagway_reconciles_total', 'Reconcile passes, by result (success: every group runs its snapshot and the pull, if any, worked).'),
    pullFailures: registry.counter('tagway_pull_failures_total', 'Fetches or fast-forwards of the clone that failed.'),
    pullLastSuccess: registry.gauge('tagway_pull_last_success_timestamp_seconds', 'When the clone was last fetched and fast-forwarded (or found up to date).'),
    lastSuccess: registry.gauge(
      'tagway_group_last_successful_sync_timestamp_seconds',
      'When every target of the group was last seen running its snapshot (after a sync, or a drift check that found nothing).',
    ),
    snapshot: registry.info('tagway_group_snapshot_info', 'The snapshot digest the group compiles to now (from HEAD of the clone).', ['group']),
    syncs: registry.counter('tagway_group_syncs_total', 'Syncs started, by reason: startup (first since the agent started), new-digest, drift (self-heal).'),
    groupFailures: registry.counter('tagway_group_failures_total', 'Group reconciles that failed: no compile, a target that does not run the snapshot, or an error.'),
    consecutiveFailures: registry.gauge('tagway_group_consecutive_failures', 'Failed reconciles of the group in a row; the backoff grows with it.'),
    targetDigest: registry.info(
      'tagway_target_digest_info',
      'What a target runs: state snapshot (digest is the group snapshot), previous (digest is what the target reports, empty when it keeps none) or unknown.',
      ['group', 'target'],
    ),
    drifted: registry.gauge('tagway_target_drifted_objects', "Objects of the group that differ from the snapshot on the target (missing, changed, extra, or in the way), as of the target's last read."),
    targetFailures: registry.counter('tagway_target_failures_total', 'Target syncs or drift checks that failed (unreachable, refused, conflicting, not verified).'),
    canaryWeight: registry.gauge('tagway_canary_weight_percent', "The weight a progressive canary takes on the group's gateways (the lowest of them), as the agent last saw or set it."),
    checksFailed: registry.info(
      'tagway_group_checks_failed_info',
      "A snapshot digest whose health checks failed and was taken back: the agent does not sync it again until the group's snapshot changes.",
      ['group'],
    ),
  };
}

export type AgentMetrics = ReturnType<typeof createAgentMetrics>;
