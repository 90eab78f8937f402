/**
 * Whether `version` satisfies `range`, for the range forms Baton's package
 * manifests use: an exact version, `^x.y.z` and `~x.y.z` (npm's meaning,
 * 0.x carets included). Anything else throws, so a new range form is noticed
 * rather than passed. The root does not depend on `semver` itself.
 */
export function satisfies(version: string, range: string): boolean {
  const installed = parse(version, version);
  const match = /^([\^~]?)(\d+\.\d+\.\d+)$/.exec(range.trim());
  if (!match) throw new Error(`Unsupported version range "${range}": use x.y.z, ^x.y.z or ~x.y.z.`);
  const [, operator, base] = match;
  const low = parse(base, range);
  if (operator === '') return compare(installed, low) === 0;
  return compare(installed, low) >= 0 && compare(installed, upperBound(operator, low)) < 0;
}

type Version = [number, number, number];

function parse(version: string, where: string): Version {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  if (!match) throw new Error(`Unsupported version "${version}" (in "${where}"): only x.y.z is read.`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** The first version the range excludes: ^1.2.3 → 2.0.0, ^0.2.3 → 0.3.0, ^0.0.3 → 0.0.4, ~1.2.3 → 1.3.0. */
function upperBound(operator: string, [major, minor, patch]: Version): Version {
  if (operator === '~') return [major, minor + 1, 0];
  if (major > 0) return [major + 1, 0, 0];
  if (minor > 0) return [0, minor + 1, 0];
  return [0, 0, patch + 1];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}
