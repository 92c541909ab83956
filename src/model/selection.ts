/**
 * Which gateway groups a run compiles, and whose findings it reports. Made once, from the
 * command's flags, by the use case (src/app), and read by every stage after it, none of which
 * works it out again: the listing leaves out the overlays of the groups not compiled, compile
 * picks the groups and keeps the findings that concern them, the build keeps its result record
 * per selection.
 */
export interface Selection {
  /** The groups compiled, sorted, each once; null: every group. A name that is no group is reported (TW1014). */
  readonly groups: readonly string[] | null;
  /**
   * Report (and fail on) the findings of every file, not only of the files the compiled groups
   * are compiled from: their group.yaml and overlays, the templates they run, tagway.yaml.
   * `validate` sets it; `compile` and `sync` do not, so one broken group never blocks another's
   * deploy, and a template no group runs (an edit not yet published) is for `validate` to report.
   * Without `groups`, every file under gateway-groups/ counts as a group's.
   */
  readonly reportAll: boolean;
}

/** Every group, the findings of the files they are compiled from. */
export const EVERY_GROUP: Selection = { groups: null, reportAll: false };

/** The selection of a command's flags: `--group` (absent or none: every group) and whether it reports every file. */
export function selectionOf(flags: { readonly groups?: readonly string[] | undefined; readonly reportAll?: boolean | undefined }): Selection {
  const groups = flags.groups === undefined ? null : [...new Set(flags.groups)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { groups, reportAll: flags.reportAll === true };
}

/** Whether `group` is compiled. */
export function selects(selection: Selection, group: string): boolean {
  return selection.groups === null || selection.groups.includes(group);
}

/**
 * The groups whose overlays a run reads: those compiled; null (every group's) when every group is
 * compiled or every file's findings are reported.
 */
export function overlaysRead(selection: Selection): readonly string[] | null {
  return selection.reportAll ? null : selection.groups;
}
