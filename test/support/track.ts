/**
 * Temporary repositories and folders a test file makes, removed after each test, the last made
 * first: `const track = tracked();` at the top of the file, then `track(makeRepo(…))`.
 */
import { afterEach } from 'vitest';

export function tracked(): <T extends { cleanup(): void }>(thing: T) => T {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0).reverse()) cleanup();
  });
  return (thing) => {
    cleanups.push(() => thing.cleanup());
    return thing;
  };
}
