import { z } from 'zod';
import { ConfigError, flag, integer, readEnv, variable, variablesOf } from './env';

const tree = {
  port: variable('PORT', integer(1, 65535).default(3000), 'HTTP port'),
  group: {
    verbose: variable('VERBOSE', flag().default(false), 'Says more'),
    token: variable(
      'TOKEN',
      z.string().refine((text) => text.length > 3, 'is too short'),
      'A secret',
      { secret: true },
    ),
  },
};

describe('Reading declared variables', () => {
  it('puts each value where its variable stands in the tree, with its default when unset or empty', () => {
    expect(readEnv(tree, { VERBOSE: 'true', PORT: '', TOKEN: 'abcd' })).toEqual({ port: 3000, group: { verbose: true, token: 'abcd' } });
  });

  it('names every variable that is wrong, in the order declared, and never shows a secret', () => {
    const attempt = () => readEnv(tree, { TOKEN: 'abc', VERBOSE: 'yes', PORT: '0' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(
      expect.objectContaining({
        problems: ['PORT="0": must be from 1 to 65535', expect.stringMatching(/^VERBOSE="yes": /), 'TOKEN is too short'],
      }),
    );
  });

  it('lists the variables of a tree in the order declared', () => {
    expect(variablesOf(tree).map((v) => [v.name, v.doc])).toEqual([
      ['PORT', 'HTTP port'],
      ['VERBOSE', 'Says more'],
      ['TOKEN', 'A secret'],
    ]);
  });
});
