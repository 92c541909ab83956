import type { Diagnostic } from '../model/diagnostic.js';
import {
  describeCounts,
  describeHost,
  describeMethods,
  describeRef,
  describeSide,
  describeStatus,
  describeVersion,
  kindName,
  plural,
} from './describe.js';
import type { DiffReport, DiffSide, GroupDiff, ObjectDiff, ServiceDiff } from './model.js';

/** GitHub rejects issue and pull-request comments longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** Default size of a rendered comment: the limit less room for a marker line a workflow adds. */
export const DEFAULT_MARKDOWN_LENGTH = GITHUB_COMMENT_LIMIT - 1_024;

/** Routing rows shown per group before the rest are summed up in one row. */
const MAX_ROUTING_ROWS = 30;
/** Findings listed before the rest are summed up. */
const MAX_FINDINGS = 50;

export interface MarkdownOptions {
  /** Upper bound of the returned text's length (UTF-16 code units). Default `DEFAULT_MARKDOWN_LENGTH`. */
  readonly maxLength?: number;
}

/** Inline code that survives backticks and table pipes in the text. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\|/g, '\\|').replace(/\n/g, ' ')}${pad}${fence}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Table-cell prose: `<` and `&` escaped outside backtick spans, so `<service>` is not taken for HTML. */
function prose(text: string): string {
  return cell(text)
    .split('`')
    .map((part, i) => (i % 2 === 0 ? html(part) : part))
    .join('`');
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fenced(language: string, text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${language}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}`;
}

function sideText(side: DiffSide): string {
  return code(describeSide(side));
}

function header(report: DiffReport): string {
  const changed = report.groups.filter((g) => g.status !== 'unchanged').length;
  const verdict =
    report.groups.length === 0 ? 'no gateway groups to compare' : changed === 0 ? `no changes in ${plural(report.groups.length, 'group')}` : `${changed} of ${plural(report.groups.length, 'group')} change`;
  return `### tagway diff\n\n${sideText(report.from)} → ${sideText(report.to)}: **${verdict}**\n`;
}

function groupSummary(group: GroupDiff): string {
  const title = `#### ${code(group.group)}: ${describeStatus(group)}`;
  if (group.status === 'unchanged') return `${title}\n`;
  const out = [title, ''];
  if (group.services.length > 0) {
    out.push('| service | version | added | removed | changed | relabelled |', '|---|---|--:|--:|--:|--:|');
    for (const s of group.services) {
      const count = (kind: ObjectDiff['change']) => s.objects.filter((o) => o.change === kind).length;
      out.push(`| ${code(s.service)} | ${cell(describeVersion(s.version))} | ${count('added')} | ${count('removed')} | ${count('changed')} | ${count('relabelled')} |`);
    }
    out.push('');
  }
  if (group.groupObjects.length > 0) {
    out.push('Objects of no service:', '');
    for (const o of group.groupObjects) out.push(`- ${o.change} ${kindName(o.kind)} ${code(o.id)}`);
    out.push('');
  }
  if (group.impact.length > 0) {
    out.push('| routing | methods | host | path | routes / because of |', '|---|---|---|---|---|');
    for (const r of group.impact.slice(0, MAX_ROUTING_ROWS)) {
      const via = r.change === 'changes' ? r.causes.map((c) => code(describeRef(c))).join(', ') : r.routes.map(code).join(', ');
      out.push(`| ${r.change} | ${cell(describeMethods(r.methods))} | ${r.host === null ? describeHost(null) : code(r.host)} | ${code(r.path)} | ${via} |`);
    }
    const rest = group.impact.length - MAX_ROUTING_ROWS;
    if (rest > 0) out.push(`| … | | | | ${plural(rest, 'more routing change')} |`);
    out.push('');
  } else if (group.status !== 'removed') {
    out.push('Routing: no host, path or method starts, stops or changes.', '');
  }
  return out.join('\n');
}

function serviceTitle(service: ServiceDiff): string {
  const counts = { added: 0, removed: 0, changed: 0, relabelled: 0 };
  for (const o of service.objects) counts[o.change]++;
  return `<summary><code>${html(service.service)}</code> ${html(describeVersion(service.version))} · ${html(describeCounts(counts))}</summary>`;
}

function relabelledLine(objects: readonly ObjectDiff[]): string[] {
  const relabelled = objects.filter((o) => o.change === 'relabelled');
  if (relabelled.length === 0) return [];
  return [`Only the version label changes on ${relabelled.map((o) => code(describeRef(o))).join(', ')}.`, ''];
}

/** A service's objects with their YAML hunks, folded. */
function serviceDetails(service: ServiceDiff): string {
  const out = ['<details>', serviceTitle(service), ''];
  for (const o of service.objects) {
    if (o.change === 'relabelled') continue;
    out.push(`**${o.change}** ${kindName(o.kind)} ${code(o.id)}`, '');
    if (o.patch.length > 0) out.push(fenced('diff', o.patch), '');
  }
  out.push(...relabelledLine(service.objects), '</details>', '');
  return out.join('\n');
}

/** The same without hunks: which objects change and which fields, for when the hunks do not fit. */
function serviceDetailsCompact(service: ServiceDiff): string {
  const out = ['<details>', serviceTitle(service), ''];
  for (const o of service.objects) {
    if (o.change === 'relabelled') continue;
    const fields = o.change === 'changed' ? `: ${o.fields.map((f) => code(f.path)).join(', ')}` : '';
    out.push(`- **${o.change}** ${kindName(o.kind)} ${code(o.id)}${fields}`);
  }
  out.push('', '_Field-level diff left out to fit the comment size limit._', '', ...relabelledLine(service.objects), '</details>', '');
  return out.join('\n');
}

interface Section {
  readonly summary: string;
  readonly details: readonly { readonly name: string; readonly full: string; readonly compact: string }[];
}

/** Names of left-out services listed in the note before the rest are counted. */
const MAX_NAMED = 20;

function truncationNote(omitted: readonly string[], compacted: number, cut: boolean): string {
  const parts: string[] = [];
  if (cut) parts.push('the summary itself is cut short');
  if (omitted.length > 0) {
    const named = omitted.slice(0, MAX_NAMED).map(code).join(', ');
    const more = omitted.length > MAX_NAMED ? ` and ${omitted.length - MAX_NAMED} more` : '';
    parts.push(`the details of ${plural(omitted.length, 'service')} are left out (${named}${more})`);
  }
  if (compacted > 0) parts.push(`${plural(compacted, 'service')} ${compacted === 1 ? 'is' : 'are'} shown without field-level diff`);
  return `\n> [!NOTE]\n> This diff is larger than a pull-request comment can hold: ${parts.join('; ')}. Run \`tagway diff\` (or \`--format json\`) for all of it.\n`;
}

/** Cuts `text` at the last line break that keeps it within `budget`. */
function cutLines(text: string, budget: number): string {
  if (text.length <= budget) return text;
  const at = text.lastIndexOf('\n', budget);
  return at < 0 ? '' : text.slice(0, at + 1);
}

/**
 * The report as a pull-request comment: a summary table per group (services, versions, object
 * counts) and its routing impact, then one folded `<details>` block per service with the YAML
 * hunks of each object. Never longer than `maxLength`: when the whole does not fit, every group's
 * summary is kept and service details are shown in order while they fit, then without hunks,
 * then left out, and a note says so.
 */
export function renderDiffMarkdown(report: DiffReport, options: MarkdownOptions = {}): string {
  const max = options.maxLength ?? DEFAULT_MARKDOWN_LENGTH;
  const head = header(report);
  const sections: Section[] = report.groups.map((g) => ({
    summary: groupSummary(g),
    details: g.status === 'unchanged' ? [] : g.services.map((s) => ({ name: `${g.group}/${s.service}`, full: serviceDetails(s), compact: serviceDetailsCompact(s) })),
  }));
  const whole = head + sections.map((s) => `\n${s.summary}${s.details.map((d) => `\n${d.full}`).join('')}`).join('');
  if (whole.length <= max) return whole;

  // Room for the longest note: every name at the longest a group/service name can be (31 + 1 + 31).
  const reserve = truncationNote(Array.from({ length: MAX_NAMED + 1 }, () => 'x'.repeat(63)), 9_999, true).length;
  const budget = max - reserve;
  const summaries = head.length + sections.reduce((n, s) => n + 1 + s.summary.length, 0);
  if (summaries > budget) {
    const text = cutLines(head + sections.map((s) => `\n${s.summary}`).join(''), budget);
    return text + truncationNote(sections.flatMap((s) => s.details.map((d) => d.name)), 0, true);
  }
  let left = budget - summaries;
  const omitted: string[] = [];
  let compacted = 0;
  let out = head;
  for (const section of sections) {
    out += `\n${section.summary}`;
    for (const d of section.details) {
      if (d.full.length + 1 <= left) {
        out += `\n${d.full}`;
        left -= d.full.length + 1;
      } else if (d.compact.length + 1 <= left) {
        out += `\n${d.compact}`;
        left -= d.compact.length + 1;
        compacted++;
      } else {
        omitted.push(d.name);
      }
    }
  }
  return out + truncationNote(omitted, compacted, false);
}

function where(d: Diagnostic): string {
  if (d.file === undefined) return '';
  const at = d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`;
  return code(d.revision === undefined ? at : `${at} (at ${d.revision})`);
}

/**
 * What the comment says when a side does not compile: the findings per side (errors first), so
 * the pull request shows why there is no diff. Same length bound as `renderDiffMarkdown`.
 */
export function renderFindingsMarkdown(
  from: DiffSide,
  to: DiffSide,
  findings: { readonly from: readonly Diagnostic[]; readonly to: readonly Diagnostic[] },
  options: MarkdownOptions = {},
): string {
  const max = options.maxLength ?? DEFAULT_MARKDOWN_LENGTH;
  const out = [`### tagway diff\n\n${sideText(from)} → ${sideText(to)}: **no diff, the configuration does not compile**\n`];
  for (const [name, side, list] of [['from', from, findings.from], ['to', to, findings.to]] as const) {
    const errors = list.filter((d) => d.severity === 'error');
    if (errors.length === 0) continue;
    out.push(`#### ${name}: ${code(describeSide(side))}, ${plural(errors.length, 'error')}\n`);
    out.push('| | code | where | message |', '|---|---|---|---|');
    const sorted = [...errors, ...list.filter((d) => d.severity !== 'error')];
    for (const d of sorted.slice(0, MAX_FINDINGS)) {
      out.push(`| ${d.severity} | ${d.code} | ${where(d)} | ${prose(d.message)}${d.hint ? `<br>${prose(d.hint)}` : ''} |`);
    }
    if (sorted.length > MAX_FINDINGS) out.push(`| … | | | ${plural(sorted.length - MAX_FINDINGS, 'more finding')} |`);
    out.push('');
  }
  const text = `${out.join('\n')}\n`;
  return text.length <= max ? text : cutLines(text, max - 200) + truncationNote([], 0, true);
}
