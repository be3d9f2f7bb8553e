import { jest } from '@jest/globals';
import { SessionOptionsError } from '../../../lib/core/errors.js';
import { resolveSessionOptions } from '../../../lib/core/options/resolve-options.js';
import type { SessionOptions } from '../../../lib/core/options/session-options.js';
import { TEST_SECRET } from '../../support/test-secret.js';

const secret = TEST_SECRET;

function resolvedHeader(header: unknown, warn: (message: string) => void = () => {}) {
  return resolveSessionOptions({ secret, header } as SessionOptions, warn).header;
}

describe('the header option', () => {
  it('is off by default and with false', () => {
    expect(resolvedHeader(undefined)).toBeUndefined();
    expect(resolvedHeader(false)).toBeUndefined();
  });

  it('true reads `Authorization: Bearer <token>` and answers in Session-Token', () => {
    expect(resolvedHeader(true)).toEqual({ name: 'authorization', scheme: 'Bearer', responseHeader: 'Session-Token' });
  });

  it('takes a header of its own, without a scheme unless one is given', () => {
    expect(resolvedHeader({ name: 'X-Session-Token' })).toEqual({ name: 'x-session-token', scheme: '', responseHeader: 'Session-Token' });
    expect(resolvedHeader({ name: 'X-Auth', scheme: 'Session', responseHeader: 'X-New-Token' })).toEqual({
      name: 'x-auth',
      scheme: 'Session',
      responseHeader: 'X-New-Token',
    });
    expect(resolvedHeader({ scheme: '' })).toEqual({ name: 'authorization', scheme: '', responseHeader: 'Session-Token' });
  });

  it('warns about unknown keys', () => {
    const warn = jest.fn<(message: string) => void>();
    resolvedHeader({ nmae: 'X-Token' }, warn);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('nmae'));
  });

  it.each<[string, unknown, string]>([
    ['a string', 'Authorization', 'header'],
    ['null', null, 'header'],
    ['an array', ['Authorization'], 'header'],
    ['a number', 1, 'header'],
    ['name not a string', { name: 42 }, 'header.name'],
    ['name with a space', { name: 'X Token' }, 'header.name'],
    ['name empty', { name: '' }, 'header.name'],
    ['scheme not a string', { scheme: true }, 'header.scheme'],
    ['scheme with a space', { scheme: 'Bearer token' }, 'header.scheme'],
    ['responseHeader not a string', { responseHeader: {} }, 'header.responseHeader'],
    ['responseHeader with a colon', { responseHeader: 'Session-Token:' }, 'header.responseHeader'],
    ['responseHeader Set-Cookie', { responseHeader: 'set-cookie' }, 'header.responseHeader'],
  ])('throws SessionOptionsError naming the option: %s', (_label, header, option) => {
    expect(() => resolvedHeader(header)).toThrow(SessionOptionsError);
    expect(() => resolvedHeader(header)).toThrow(expect.objectContaining({ option, message: expect.stringContaining(`\`${option}\``) }));
  });
});
