import type { SagaDefinition } from '@baton/core';
import type { ContractsReport } from './check-contracts';
import { checkContracts } from './check-contracts';
import { sagaContracts } from './contract-snapshot';
import { readSnapshotFolder, writeSnapshotFolder } from './snapshot-folder';

/** The sagas' contracts checked against the snapshot folder `dir` (absolute); `exists`: whether the folder is there. */
export function checkContractSnapshot(sagas: readonly SagaDefinition[], dir: string): ContractsReport & { readonly exists: boolean } {
  const folder = readSnapshotFolder(dir);
  const { contracts, conflicts } = sagaContracts(sagas);
  return {
    ...checkContracts(
      contracts.map((c) => c.contract),
      folder.snapshots,
      conflicts,
    ),
    exists: folder.exists,
  };
}

/** What `baton contracts snapshot` did: the check it ran first, and the files it wrote (none when it refused). */
export interface SnapshotOutcome {
  readonly report: ContractsReport;
  /** A change broke compatibility and `force` was not given: nothing was written. */
  readonly refused: boolean;
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
}

/**
 * Records the sagas' contracts in the snapshot folder `dir` (absolute), one
 * `<Type>.v<version>.json` per contract version; files of other versions
 * and of contracts no loaded saga declares stay (they are the history a
 * _TRANSITIVE mode and an upcast are checked against). Refuses, writing
 * nothing, when the check finds a breaking change, unless `force`.
 */
export function writeContractSnapshot(sagas: readonly SagaDefinition[], dir: string, options: { force?: boolean } = {}): SnapshotOutcome {
  const report = checkContractSnapshot(sagas, dir);
  if (report.counts.breaking && !options.force) return { report, refused: true, written: [], unchanged: [] };
  const { contracts } = sagaContracts(sagas);
  const { written, unchanged } = writeSnapshotFolder(
    dir,
    contracts.map((c) => c.snapshot),
  );
  return { report, refused: false, written, unchanged };
}
