/**
 * Comparison of what gateway groups run (docs/architecture.md §5 `diff`): pure functions from two states of
 * a group to a change set, and renderers for it. Nothing here reads git, the clock or the
 * network; `src/app/diff.ts` compiles two revisions and calls `diffSnapshots`. A comparison with
 * a gateway's live objects builds its states with `groupStateFromConfig` and passes the sync
 * engine's normalisation as `compare`, so the same change set, impact and renderers serve
 * `diff --live` and the agent.
 *
 * Every value that is or looks like a secret is masked before anything is compared, so no report
 * and no rendering ever holds one (see secrets.ts).
 */
export { diffGroup, diffSnapshots, groupStateFromSnapshot, groupStateFromConfig, buildDiffReport } from './group.js';
export type { GroupDiffOptions } from './group.js';
export { diffObjects, canonicalYaml, serviceOf, VERSION_LABEL_PATH } from './objects.js';
export type { ComparisonForms, ObjectDiffOptions } from './objects.js';
export { routingImpact, HTTP_METHODS } from './impact.js';
export { maskSecretPair, maskSecrets, isSecretKey, looksLikeSecret, MASKED, MASKED_CHANGED } from '../secrets/classify.js';
export type { MaskedPair } from '../secrets/classify.js';
export { renderDiffText, renderGroupChanges } from './render-text.js';
export { describeCounts, describeSide } from './describe.js';
export { renderDiffMarkdown, renderFindingsMarkdown, GITHUB_COMMENT_LIMIT, DEFAULT_MARKDOWN_LENGTH } from './render-markdown.js';
export type { MarkdownOptions } from './render-markdown.js';
export { diffDocument, renderDiffJson } from './render-json.js';
export type { DiffDocument } from './render-json.js';
export { DIFF_FORMAT } from './model.js';
export type * from './model.js';
