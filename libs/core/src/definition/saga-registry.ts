import { SagaDefinitionError } from '../errors/saga-definition.error';
import type { SagaDefinition } from './saga-definition';

/**
 * The saga definitions a host knows, by name and version. A start uses the
 * newest version; a running instance is restored with the version it started on.
 */
export class SagaRegistry {
  private readonly byName = new Map<string, Map<number, SagaDefinition>>();

  constructor(definitions: Iterable<SagaDefinition> = []) {
    for (const definition of definitions) this.register(definition);
  }

  register(definition: SagaDefinition): void {
    const versions = this.byName.get(definition.name) ?? new Map<number, SagaDefinition>();
    if (versions.has(definition.version)) {
      throw new SagaDefinitionError(definition.name, definition.version, 'is registered twice.');
    }
    versions.set(definition.version, definition);
    this.byName.set(definition.name, versions);
  }

  /** The newest version of `name`, or undefined. */
  latest(name: string): SagaDefinition | undefined {
    const versions = this.byName.get(name);
    if (!versions) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  /** Exactly `name` at `version`, or undefined. */
  get(name: string, version: number): SagaDefinition | undefined {
    return this.byName.get(name)?.get(version);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  versions(name: string): number[] {
    return [...(this.byName.get(name)?.keys() ?? [])].sort((a, b) => a - b);
  }

  all(): SagaDefinition[] {
    return [...this.byName.values()].flatMap((versions) => [...versions.values()]);
  }
}
