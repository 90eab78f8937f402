import type { CompatibilityMode } from '@baton/core';
import type { Direction } from './compatibility-modes';
import type { IssueKind, SchemaIssue } from './schema-subset';

/**
 * How bad a finding is: `breaking` (exit 1), `snapshot` (the snapshot is
 * behind the contracts: exit 1 until `baton contracts snapshot` is run),
 * `warning` and `note` (exit 0).
 */
export type FindingSeverity = 'breaking' | 'snapshot' | 'warning' | 'note';

/** One thing `baton contracts check` found about one contract version. */
export interface ContractFinding {
  readonly severity: FindingSeverity;
  /** What it breaks, as a stable name: `required-property-added`, `type-narrowed`, `not-snapshotted`, ... */
  readonly rule: string;
  readonly type: string;
  readonly version: number;
  /** The contract's compatibility mode. */
  readonly mode: CompatibilityMode;
  /** The snapshot version it was compared with. */
  readonly against?: number;
  /** The field: `items[].sku`; `(root)` for the payload itself. */
  readonly path?: string;
  /** The field in the snapshot (`against`), in a few words. */
  readonly old?: string;
  /** The field now, in a few words. */
  readonly new?: string;
  readonly message: string;
  /** What to do about it. */
  readonly fix?: string;
}

/** What a comparison of one contract version with one snapshot version is about. */
export interface ComparisonContext {
  readonly type: string;
  readonly version: number;
  readonly mode: CompatibilityMode;
  readonly against: number;
  /** The current contract has an upcast. */
  readonly upcast: boolean;
}

/** The last name of a path: `items[].sku` → `sku`. */
const propertyOf = (path: string) => path.replace(/(\[\]|\[\d+\])+$/, '').split('.').pop() ?? path;

interface Rule {
  readonly rule: string;
  readonly title: string;
  /** Why it breaks. */
  readonly why: string;
  readonly fix: string;
}

/** The rule an issue breaks, read in `direction`, with its words and its fix. */
function ruleOf(issue: SchemaIssue, direction: Direction, context: ComparisonContext): Rule {
  const { type, version, against } = context;
  const prop = propertyOf(issue.path);
  const earlier = `v${against}`;
  const senders = `senders of ${earlier}`;
  const receivers = `receivers still on ${earlier}`;
  const bump =
    version > against
      ? context.upcast
        ? `make the upcast of ${type} v${version} turn v${against} payloads into ones it accepts`
        : `give ${type} v${version} an upcast that turns v${against} payloads into ones it accepts`
      : `bump ${type} to version ${version + 1} with an upcast that turns v${version} payloads into ones it accepts`;
  if (direction === 'backward') {
    const narrowed = (rule: string, title: string): Rule => ({
      rule,
      title,
      why: `the new schema refuses some of what ${senders} may still write (receivers upgrade first)`,
      fix: `accept again what ${senders} write (${issue.writer}), or ${bump}`,
    });
    const rules: Record<IssueKind, () => Rule> = {
      required: () =>
        issue.declared
          ? { rule: 'property-made-required', title: 'optional property made required', why: `the new schema requires ${prop}, which ${senders} may leave out`, fix: `keep ${prop} optional (.optional(), or .default(...) to fill it in), or ${bump}` }
          : { rule: 'required-property-added', title: 'required property added', why: `the new schema requires ${prop}, which ${senders} do not send`, fix: `make ${prop} optional (.optional(), or .default(...) to fill it in), or ${bump}` },
      'closed-model': () =>
        issue.declared
          ? { rule: 'property-removed-from-closed-model', title: 'property removed from a closed content model', why: `the new schema no longer declares ${prop} and refuses what it does not declare (additionalProperties: false), but ${senders} send it`, fix: `keep ${prop} declared (optional is enough), or let the object strip what it does not declare (z.object rather than z.strictObject), or ${bump}` }
          : { rule: 'content-model-closed', title: 'content model closed', why: `the new schema refuses what it does not declare (additionalProperties: false), and the content model of ${earlier} was open: its senders may send other properties`, fix: `keep the object open (z.object strips what it does not declare), or ${bump}` },
      'open-model': () => ({
        rule: 'property-added-to-open-model',
        title: 'property added to an open content model',
        why: `the content model of ${earlier} is open (additionalProperties absent), so its senders may have sent ${prop} with any value, and the new schema checks it`,
        fix: `accept any value for ${prop} (z.unknown()), or ${bump}; an object whose senders are closed (z.strictObject) takes new optional properties compatibly`,
      }),
      type: () => narrowed('type-narrowed', 'type narrowed'),
      integer: () => narrowed('type-narrowed', 'type narrowed (number to integer)'),
      values: () => narrowed('enum-narrowed', 'allowed values narrowed (enum or const)'),
      length: () => narrowed('length-narrowed', 'string length narrowed'),
      pattern: () => narrowed('pattern-narrowed', 'string pattern added or changed'),
      format: () => narrowed('format-narrowed', 'string format added or changed'),
      range: () => narrowed('range-narrowed', 'number range narrowed'),
      'multiple-of': () => narrowed('multiple-of-narrowed', 'multipleOf narrowed'),
      'item-count': () => narrowed('item-count-narrowed', 'array length narrowed'),
      'unique-items': () => narrowed('unique-items-added', 'uniqueItems added'),
      'property-count': () => narrowed('property-count-narrowed', 'number of properties narrowed'),
      'property-names': () => narrowed('property-names-narrowed', 'property names narrowed'),
      union: () => narrowed('union-shrunk', 'union shrunk: an alternative is gone'),
      unread: () => ({ rule: 'unread-change', title: 'a change the check cannot read', why: `the check cannot tell whether the new schema reads what ${senders} write`, fix: `keep the earlier schema here, or ${bump}` }),
    };
    return rules[issue.kind]();
  }
  const upgradeReceivers = `keep writing what ${receivers} accept until they are upgraded, or declare compatibility: 'BACKWARD' and upgrade the receivers first (a version bump does not help them: a newer payload is validated as it is, docs/wire-protocol.md "Versions and upcasting")`;
  const widened = (rule: string, title: string): Rule => ({
    rule,
    title,
    why: `${receivers} refuse some of what the new schema's senders write (senders upgrade first)`,
    fix: upgradeReceivers,
  });
  const rules: Record<IssueKind, () => Rule> = {
    required: () =>
      issue.declared
        ? { rule: 'property-made-optional', title: 'required property made optional', why: `${receivers} require ${prop}, which new senders may leave out`, fix: `keep ${prop} required while ${receivers.replace('still ', '')} remain, or declare compatibility: 'BACKWARD' and upgrade the receivers first` }
        : { rule: 'required-property-removed', title: 'required property removed', why: `${receivers} require ${prop}, which new senders do not send`, fix: `keep sending ${prop} while ${receivers.replace('still ', '')} remain, or declare compatibility: 'BACKWARD' and upgrade the receivers first` },
    'closed-model': () =>
      issue.declared
        ? { rule: 'property-added-to-closed-model', title: 'property added to a closed content model', why: `${receivers} refuse what they do not declare (additionalProperties: false), and new senders send ${prop}`, fix: `upgrade the receivers first (declare compatibility: 'BACKWARD'), or leave ${prop} out until they are` }
        : { rule: 'content-model-opened', title: 'content model opened', why: `${receivers} refuse what they do not declare (additionalProperties: false), and the new content model lets senders send other properties`, fix: `keep the object closed (z.strictObject) while ${receivers.replace('still ', '')} remain` },
    'open-model': () => ({
      rule: 'property-removed-from-open-model',
      title: 'property removed from an open content model',
      why: `the new content model is open (additionalProperties absent) and no longer declares ${prop}, so new senders may send it with any value, which ${receivers} check`,
      fix: `keep ${prop} declared as it was (optional is enough)`,
    }),
    type: () => widened('type-widened', 'type widened'),
    integer: () => widened('type-widened', 'type widened (integer to number)'),
    values: () => widened('enum-widened', 'allowed values widened (enum or const)'),
    length: () => widened('length-widened', 'string length widened'),
    pattern: () => widened('pattern-widened', 'string pattern dropped or changed'),
    format: () => widened('format-widened', 'string format dropped or changed'),
    range: () => widened('range-widened', 'number range widened'),
    'multiple-of': () => widened('multiple-of-widened', 'multipleOf widened'),
    'item-count': () => widened('item-count-widened', 'array length widened'),
    'unique-items': () => widened('unique-items-dropped', 'uniqueItems dropped'),
    'property-count': () => widened('property-count-widened', 'number of properties widened'),
    'property-names': () => widened('property-names-widened', 'property names widened'),
    union: () => widened('union-grown', 'union grown: a new alternative'),
    unread: () => ({ rule: 'unread-change', title: 'a change the check cannot read', why: `the check cannot tell whether ${receivers} read what the new schema's senders write`, fix: `keep the earlier schema here, or ${upgradeReceivers}` }),
  };
  return rules[issue.kind]();
}

/**
 * A finding from what a reader refuses: under `backward` the writer is the
 * snapshot (old) and the reader the contract now (new), under `forward`
 * the other way round.
 */
export function findingOf(issue: SchemaIssue, direction: Direction, context: ComparisonContext): ContractFinding {
  const { rule, title, why, fix } = ruleOf(issue, direction, context);
  const [old, now] = direction === 'backward' ? [issue.writer, issue.reader] : [issue.reader, issue.writer];
  const noUpcast =
    direction === 'backward' && context.version > context.against && !context.upcast
      ? `; ${context.type} v${context.version} has no upcast, so v${context.against} payloads reach it as they are (a version bump alone does not excuse a break)`
      : '';
  return {
    severity: 'breaking',
    rule,
    type: context.type,
    version: context.version,
    mode: context.mode,
    against: context.against,
    path: issue.path,
    old,
    new: now,
    message: `${title}: ${why}${noUpcast}`,
    fix,
  };
}
