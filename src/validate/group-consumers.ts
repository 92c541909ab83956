/**
 * A gateway group's consumer and consumer group files, as the rules read them: the one place
 * that knows where the checked repository keeps them.
 */
import { cmp } from '../model/diagnostic.js';
import type { CheckedRepo, ConsumerEntry, ConsumerGroupEntry } from './entries.js';

export interface GroupConsumers {
  readonly group: string;
  /** username → consumer. */
  readonly consumers: ReadonlyMap<string, ConsumerEntry>;
  /** name → consumer group. */
  readonly consumerGroups: ReadonlyMap<string, ConsumerGroupEntry>;
}

const NONE = new Map<string, never>();

/** The consumer files of `group` (none when it has no such files). */
export function groupConsumers(repo: CheckedRepo, group: string): GroupConsumers {
  return { group, consumers: repo.groupObjects.consumer.get(group) ?? NONE, consumerGroups: repo.groupObjects['consumer-group'].get(group) ?? NONE };
}

/** The consumer files of every gateway group that has some, by group name in code-point order. */
export function everyGroupConsumers(repo: CheckedRepo): GroupConsumers[] {
  return [...new Set([...repo.groupObjects.consumer.keys(), ...repo.groupObjects['consumer-group'].keys()])].sort(cmp).map((group) => groupConsumers(repo, group));
}
