import type { CompatibilityMode, MessageContract } from '@baton/core';
import { describeIssues, validatePayload } from '@baton/core';
import { directionsOf, isTransitive } from './compatibility-modes';
import type { ContractConflict, ContractSnapshot } from './contract-snapshot';
import { contractSnapshotOf } from './contract-snapshot';
import type { ComparisonContext, ContractFinding } from './contract-findings';
import { findingOf } from './contract-findings';
import type { JsonSchema } from './json-schema';
import { samplePayloads } from './sample-payloads';
import { schemaIssues, sideOf } from './schema-subset';
import { snapshotFileName } from './snapshot-folder';
import { sameJson } from './stable-json';

/**
 * Where a contract version stands against the snapshot: `unchanged`;
 * `changed` (its version is in the snapshot with another schema or mode);
 * `new-version` (earlier versions are); `new` (no version is); `removed`
 * (in the snapshot, declared by no loaded saga).
 */
export type ContractState = 'unchanged' | 'changed' | 'new-version' | 'new' | 'removed';

/** One contract version of the check, and what was found about it. */
export interface ContractResult {
  readonly type: string;
  readonly version: number;
  readonly kind: 'command' | 'event';
  readonly participant?: string;
  readonly compatibility: CompatibilityMode;
  readonly state: ContractState;
  /** The snapshot versions it was compared with, newest first. */
  readonly comparedWith: readonly number[];
  readonly findings: readonly ContractFinding[];
}

/** What `baton contracts check` found: each contract version, and whether the check passes. */
export interface ContractsReport {
  readonly contracts: readonly ContractResult[];
  /** No breaking finding (a compatible change the snapshot does not hold yet is counted under `snapshot`, and passes). */
  readonly ok: boolean;
  readonly counts: Readonly<Record<'breaking' | 'snapshot' | 'warning' | 'note', number>>;
}

/** What sends a version's payloads: a command's saga sends the parsed payload (`written`); an event's senders are held to `schema` alone. */
const writerOf = (snapshot: ContractSnapshot): JsonSchema => (snapshot.kind === 'command' ? (snapshot.written ?? snapshot.schema) : snapshot.schema);

/** A zod field path (`items.0.sku`) as the check writes paths (`items[].sku`). */
const fieldPath = (dotted: string) => (dotted === '(root)' ? dotted : dotted.replace(/\.(\d+)(?=\.|$)/g, '[]').replace(/^(\d+)(?=\.|\[|$)/, '[]'));

const clip = (text: string, max = 160) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The upcast of a bumped contract, tried on sample payloads of an earlier
 * version (what its senders write): each is upcast and validated as a
 * receiver does (`validatePayload` of @baton/core). An upcast that throws,
 * or whose result the new schema refuses, is the finding.
 */
function verifyUpcast(contract: MessageContract, earlier: ContractSnapshot, mode: CompatibilityMode): ContractFinding[] {
  const base = { type: contract.type, version: contract.version, mode, against: earlier.version };
  const samples = samplePayloads(sideOf(writerOf(earlier)));
  if (!samples.ok) {
    return [{ ...base, severity: 'note', rule: 'upcast-not-verified', message: `the upcast from v${earlier.version} is trusted: no sample v${earlier.version} payload could be made (${samples.reason})` }];
  }
  const findings: ContractFinding[] = [];
  for (const sample of samples.samples) {
    const old = clip(JSON.stringify(sample));
    let result: ReturnType<typeof validatePayload>;
    try {
      result = validatePayload(contract, structuredClone(sample), earlier.version);
    } catch (error) {
      findings.push({
        ...base,
        severity: 'breaking',
        rule: 'upcast-throws',
        path: '(root)',
        old,
        new: clip(error instanceof Error ? error.message : String(error)),
        message: `the upcast of ${contract.type} v${contract.version} throws on a v${earlier.version} payload, so receivers on v${contract.version} refuse what v${earlier.version} senders still write`,
        fix: `make the upcast handle every v${earlier.version} payload (this one has only what v${earlier.version} requires, or every property it declares)`,
      });
      break;
    }
    if (!result.ok) {
      findings.push({
        ...base,
        severity: 'breaking',
        rule: 'upcast-result-refused',
        path: fieldPath(result.issues[0].path),
        old,
        new: clip(describeIssues(result.issues)),
        message: `a v${earlier.version} payload upcast to v${contract.version} does not pass the v${contract.version} schema, so receivers on v${contract.version} refuse what v${earlier.version} senders still write`,
        fix: `make the upcast fill in or convert ${fieldPath(result.issues[0].path)} for v${earlier.version} payloads, or accept what it gives`,
      });
      break;
    }
  }
  if (!findings.length) {
    findings.push({ ...base, severity: 'note', rule: 'upcast-verified', message: `the upcast from v${earlier.version} turned ${samples.samples.length} sample v${earlier.version} payload(s) into valid v${contract.version} ones` });
  }
  return findings;
}

/** The findings of one contract version against one earlier snapshot (or the same version, snapshotted before). */
function compare(contract: MessageContract, now: ContractSnapshot, earlier: ContractSnapshot): ContractFinding[] {
  const mode = now.compatibility;
  const context: ComparisonContext = { type: now.type, version: now.version, mode, against: earlier.version, upcast: contract.upcast !== undefined };
  const findings: ContractFinding[] = [];
  for (const direction of directionsOf(mode)) {
    if (direction === 'backward' && earlier.version < now.version && contract.upcast) {
      // Receivers upcast what earlier senders wrote (docs/wire-protocol.md, "Versions and upcasting"): the upcast is what reads it.
      findings.push(...verifyUpcast(contract, earlier, mode));
      continue;
    }
    const [writer, reader] = direction === 'backward' ? [writerOf(earlier), now.schema] : [writerOf(now), earlier.schema];
    findings.push(...schemaIssues(sideOf(writer), sideOf(reader)).map((issue) => findingOf(issue, direction, context)));
  }
  return findings;
}

const SNAPSHOT_FIX = 'run baton contracts snapshot (with the same sagas and --dir) and commit the files it writes';

/**
 * Compares the contracts the sagas declare now (Baton's built-in events left
 * out: see sagaContracts) with their snapshot, each under its compatibility
 * mode: the same version as snapshotted, and a new version against the
 * latest earlier one (every earlier one, for a _TRANSITIVE mode). An
 * earlier version is read through the contract's upcast when it has one.
 * A contract version the snapshot does not hold yet, or holds otherwise,
 * fails the check too (`snapshot`): the snapshot is what later changes are
 * compared with, so one left behind would let them through unchecked.
 */
export function checkContracts(current: readonly MessageContract[], snapshots: readonly ContractSnapshot[], conflicts: readonly ContractConflict[] = []): ContractsReport {
  const history = new Map<string, ContractSnapshot[]>();
  for (const snapshot of [...snapshots].sort((a, b) => a.version - b.version)) history.set(snapshot.type, [...(history.get(snapshot.type) ?? []), snapshot]);
  const currentByType = new Map<string, MessageContract[]>();
  for (const contract of [...current].sort((a, b) => a.version - b.version)) currentByType.set(contract.type, [...(currentByType.get(contract.type) ?? []), contract]);
  const types = [...new Set([...history.keys(), ...currentByType.keys()])].sort();
  const results: ContractResult[] = [];

  for (const type of types) {
    const recorded = history.get(type) ?? [];
    const contracts = currentByType.get(type) ?? [];
    if (!contracts.length) {
      const latest = recorded[recorded.length - 1];
      const files = recorded.map((s) => snapshotFileName(s.type, s.version)).join(', ');
      results.push({
        type,
        version: latest.version,
        kind: latest.kind,
        ...(latest.participant !== undefined ? { participant: latest.participant } : {}),
        compatibility: latest.compatibility,
        state: 'removed',
        comparedWith: [],
        findings: [
          {
            severity: 'warning',
            rule: 'contract-removed',
            type,
            version: latest.version,
            mode: latest.compatibility,
            message: `${type} is in the snapshot (${recorded.map((s) => `v${s.version}`).join(', ')}) but no loaded saga declares it: receivers may still get it from senders not yet upgraded, and messages of it may still be in flight`,
            fix: `if a saga you did not load declares it, load that one too; once no service sends or receives ${type}, delete ${files}`,
          },
        ],
      });
      continue;
    }
    const highestRecorded = recorded[recorded.length - 1]?.version ?? 0;
    const highestNow = contracts[contracts.length - 1].version;
    for (const contract of contracts) {
      const now = contractSnapshotOf(contract);
      const mode = now.compatibility;
      const same = recorded.find((s) => s.version === contract.version);
      const earlier = recorded.filter((s) => s.version < contract.version).reverse();
      const state: ContractState = !recorded.length ? 'new' : same ? (sameJson(same, now) ? 'unchanged' : 'changed') : 'new-version';
      // The same version, when it changed (an unchanged one is not compared with itself), then the earlier ones.
      const changedSame = same && state === 'changed' ? [same] : [];
      const targets = isTransitive(mode) ? [...changedSame, ...earlier] : same ? changedSame : earlier.slice(0, 1);
      const base = { type, version: contract.version, mode };
      const findings: ContractFinding[] = [];
      for (const conflict of conflicts.filter((c) => c.type === type && c.version === contract.version)) {
        findings.push({ ...base, severity: 'breaking', rule: 'conflicting-declarations', message: `${type} v${contract.version} is declared differently by ${conflict.sagas.join(', ')} (kind, participant, compatibility or schema): one version is one shape on the wire`, fix: `declare ${type} once, in a contracts package every saga imports, or give the new shape its own version` });
      }
      if (contract.version === highestNow && highestNow < highestRecorded) {
        findings.push({
          ...base,
          severity: 'breaking',
          rule: 'version-lowered',
          against: highestRecorded,
          old: `v${highestRecorded}`,
          new: `v${contract.version}`,
          message: `${type} went down from v${highestRecorded} to v${contract.version}: senders of v${highestRecorded} may still send it, and receivers on v${contract.version} validate a newer payload as it is, with no upcast`,
          fix: `keep ${type} at v${highestRecorded} or above; if v${highestRecorded} never reached a deployed service, delete ${snapshotFileName(type, highestRecorded)}`,
        });
      }
      if (same && same.compatibility !== mode) {
        findings.push({ ...base, severity: 'note', rule: 'mode-changed', against: same.version, old: same.compatibility, new: mode, message: `the compatibility mode changed from ${same.compatibility} to ${mode}; the check holds it to ${mode}` });
      }
      for (const target of targets) findings.push(...compare(contract, now, target));
      if (state !== 'unchanged') {
        const breaking = findings.some((f) => f.severity === 'breaking');
        const verdict = breaking ? 'it breaks the rules above' : mode === 'NONE' ? 'its mode is NONE (not compared)' : targets.length ? `it is ${mode} compatible with ${targets.map((t) => `v${t.version}`).join(', ')}` : 'it is new';
        const what = state === 'changed' ? `the snapshot holds ${type} v${contract.version} with another schema or mode` : `${type} v${contract.version} is not in the snapshot yet`;
        findings.push({
          ...base,
          severity: 'snapshot',
          rule: state === 'changed' ? 'snapshot-out-of-date' : 'not-snapshotted',
          message: `${what} (${verdict})`,
          fix: breaking ? `fix the breaking changes, then ${SNAPSHOT_FIX}` : SNAPSHOT_FIX,
        });
      }
      results.push({
        type,
        version: contract.version,
        kind: contract.kind,
        ...(now.participant !== undefined ? { participant: now.participant } : {}),
        compatibility: mode,
        state,
        comparedWith: targets.map((t) => t.version),
        findings,
      });
    }
  }
  const all = results.flatMap((r) => r.findings);
  const count = (severity: ContractFinding['severity']) => all.filter((f) => f.severity === severity).length;
  const counts = { breaking: count('breaking'), snapshot: count('snapshot'), warning: count('warning'), note: count('note') };
  return { contracts: results, ok: counts.breaking === 0, counts };
}
