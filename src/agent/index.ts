/**
 * The reconcile agent (`tagway agent`): a loop that keeps gateway groups on the snapshot HEAD of
 * a local clone compiles to, repairs drift, and serves health and metrics. See agent.ts for the
 * loop's contract and README.md for the parts.
 */
export { Agent } from './agent.js';
export type { AgentOptions, GroupOutcome, GroupState, Health, PullOutcome, ReconcileReport, SyncReason, TargetOutcome } from './agent.js';
export { createAgentMetrics } from './agent-metrics.js';
export type { AgentMetrics } from './agent-metrics.js';
export { SYSTEM_CLOCK } from './clock.js';
export type { Clock } from './clock.js';
export { createLogger, LOG_LEVELS } from './log.js';
export type { Logger, LogLevel, LogFields, LoggerOptions } from './log.js';
export { Registry, EXPOSITION_CONTENT_TYPE } from './metrics.js';
export { parseListen, startAgentServer } from './server.js';
export type { AgentServer, ListenAddress, AgentEndpoints } from './server.js';
