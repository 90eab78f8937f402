import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import * as ts from 'typescript';
import { satisfies } from 'semver';

/**
 * Every libs/<name> is a publishable package @baton/<name>: its manifest is
 * complete, it declares what its code imports, the peers it asks for are the
 * ones the repository runs with, and its public API (src/index.ts) is
 * documented. Reads sources and manifests only: no build.
 */

const ROOT = join(__dirname, '..');
const LIBS = join(ROOT, 'libs');

interface Manifest {
  name?: string;
  version?: string;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  engines?: { node?: string };
  exports?: Record<string, unknown>;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const PACKAGES = readdirSync(LIBS)
  .filter((dir) => existsSync(join(LIBS, dir, 'package.json')))
  .sort();
const manifestOf = (dir: string): Manifest => readJson(join(LIBS, dir, 'package.json'));

/** The non-spec TypeScript files under `dir`. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** A module a file names, and whether only its types are used (`import type`, `export type`, `import('x').T`). */
interface Specifier {
  readonly module: string;
  readonly typeOnly: boolean;
}

/** Every module a file names: imports, re-exports, `import()` (also in types) and `require()`. */
function moduleSpecifiers(path: string): Specifier[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Specifier[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ module: node.moduleSpecifier.text, typeOnly: !!node.importClause?.isTypeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ module: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expression = node.moduleReference.expression;
      if (ts.isStringLiteral(expression)) found.push({ module: expression.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.arguments.length && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) {
        found.push({ module: node.arguments[0].text, typeOnly: false });
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ module: node.argument.literal.text, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The package a bare specifier names: '@scope/name/deep' → '@scope/name', 'name/deep' → 'name'. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Where a package's types come from when it ships none: 'express' → '@types/express', '@a/b' → '@types/a__b'. */
const typesPackageOf = (name: string) => `@types/${name.replace(/^@/, '').replace('/', '__')}`;

describe.each(PACKAGES)('The package libs/%s', (dir) => {
  const manifest = manifestOf(dir);
  const declared = { ...manifest.dependencies, ...manifest.peerDependencies };

  it(`is named @baton/${dir}, MIT-licensed, with a version, its repository directory and a Node.js engine`, () => {
    expect(manifest.name).toBe(`@baton/${dir}`);
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toMatchObject({ type: 'git', url: expect.any(String), directory: `libs/${dir}` });
    expect(manifest.engines?.node).toEqual(expect.any(String));
  });

  it('exports its built entry point, types and code, from dist', () => {
    const main = manifest.exports?.['.'] as { types?: string; default?: string } | undefined;
    expect(main?.types).toMatch(/^\.\/dist\/.+\.d\.ts$/);
    expect(main?.default).toMatch(/^\.\/dist\/.+\.js$/);
  });

  it('publishes only dist and its README, which it has (and bin/, for a package with a command)', () => {
    expect(existsSync(join(LIBS, dir, 'README.md'))).toBe(true);
    const commands = Object.values((manifest as { bin?: Record<string, string> }).bin ?? {});
    for (const command of commands) expect({ command, exists: existsSync(join(LIBS, dir, command)) }).toEqual({ command, exists: true });
    const allowed = (entry: string) => entry === 'README.md' || /^!?dist(\/|$)/.test(entry) || (entry === 'bin' && commands.length > 0);
    const outside = (manifest.files ?? []).filter((entry) => !allowed(entry));
    expect(outside).toEqual([]);
    expect(manifest.files).toEqual(expect.arrayContaining(['dist', 'README.md']));
  });

  it('declares every package its code imports, in dependencies or peerDependencies (types alone: the package or its @types)', () => {
    const undeclared = sourceFiles(join(LIBS, dir, 'src')).flatMap((file) =>
      moduleSpecifiers(file)
        .filter(({ module }) => !module.startsWith('.') && !isBuiltin(module))
        .filter(({ module, typeOnly }) => !(packageOf(module) in declared) && !(typeOnly && typesPackageOf(packageOf(module)) in declared))
        .map(({ module }) => `${file.slice(ROOT.length + 1)}: ${module}`),
    );
    expect(undeclared).toEqual([]);
  });

  it('asks for versions of its dependencies and peers that the repository runs with', () => {
    const unsatisfied = Object.entries(declared).flatMap(([name, range]) => {
      const installed = name.startsWith('@baton/')
        ? manifestOf(name.slice('@baton/'.length)).version!
        : readJson(join(ROOT, 'node_modules', name, 'package.json')).version;
      return satisfies(installed, range) ? [] : [`${name}: wants ${range}, the repository has ${installed}`];
    });
    expect(unsatisfied).toEqual([]);
  });
});

describe('A package index', () => {
  let program: ts.Program;
  let checker: ts.TypeChecker;

  beforeAll(() => {
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    })!;
    const indexes = PACKAGES.map((dir) => join(LIBS, dir, 'src', 'index.ts'));
    program = ts.createProgram(indexes, { ...config.options, noEmit: true });
    checker = program.getTypeChecker();
  });

  /** An export and every symbol it re-exports, down to the declaration itself. */
  function aliasChain(symbol: ts.Symbol): ts.Symbol[] {
    const chain = [symbol];
    while (chain[chain.length - 1].flags & ts.SymbolFlags.Alias) {
      const next = checker.getImmediateAliasedSymbol(chain[chain.length - 1]);
      if (!next || chain.includes(next)) break;
      chain.push(next);
    }
    return chain;
  }

  /**
   * Whether a declaration of `symbol` carries JSDoc text: its own, or, for a
   * re-export of another package's symbol, the comment on the `export { }`.
   */
  function documented(symbol: ts.Symbol): boolean {
    if (ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim()) return true;
    return (symbol.declarations ?? []).some(
      (declaration) =>
        ts.isExportSpecifier(declaration) &&
        ts.getJSDocCommentsAndTags(declaration.parent.parent).some((doc) => ts.isJSDoc(doc) && !!ts.getTextOfJSDocComment(doc.comment)?.trim()),
    );
  }

  /** The exports of libs/<dir>/src/index.ts whose declaration carries no JSDoc text. */
  function undocumentedExports(dir: string): string[] {
    const index = program.getSourceFile(join(LIBS, dir, 'src', 'index.ts'));
    const module = index && checker.getSymbolAtLocation(index);
    if (!module) throw new Error(`libs/${dir}/src/index.ts exports nothing`);
    return checker
      .getExportsOfModule(module)
      .filter((exported) => !aliasChain(exported).some(documented))
      .map((exported) => exported.name)
      .sort();
  }

  it.each(PACKAGES)('of libs/%s documents every export with a JSDoc comment', (dir) => {
    expect(undocumentedExports(dir)).toEqual([]);
  });

  /** The names of the exports of libs/<dir>/src/index.ts. */
  function exportNames(dir: string): string[] {
    const index = program.getSourceFile(join(LIBS, dir, 'src', 'index.ts'));
    const module = index && checker.getSymbolAtLocation(index);
    return module ? checker.getExportsOfModule(module).map((exported) => exported.name) : [];
  }

  it.each(PACKAGES)('of each package exports what the README of libs/%s imports from it', (dir) => {
    const readme = readFileSync(join(LIBS, dir, 'README.md'), 'utf8');
    const missing: string[] = [];
    for (const [, code] of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
      const source = ts.createSourceFile('README.ts', code, ts.ScriptTarget.Latest, true);
      for (const statement of source.statements) {
        if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
        const from = /^@baton\/(.+)$/.exec(statement.moduleSpecifier.text)?.[1];
        const bindings = statement.importClause?.namedBindings;
        if (!from || !bindings || !ts.isNamedImports(bindings)) continue;
        const exported = PACKAGES.includes(from) ? exportNames(from) : [];
        for (const element of bindings.elements) {
          const name = (element.propertyName ?? element.name).text;
          if (!exported.includes(name)) missing.push(`${name} from @baton/${from}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
