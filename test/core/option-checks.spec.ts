import { SessionOptionsError } from '../../lib/core/errors.js';
import {
  aFunction,
  arrayOf,
  BOOLEAN,
  checkedOption,
  describeValue,
  either,
  NON_EMPTY_STRING,
  numberWithin,
  oneOf,
  nonNegativeInteger,
  positiveInteger,
  positiveNumber,
  problemOf,
  STRING,
} from '../../lib/core/option-checks.js';

/** The SessionOptionsError `checkedOption` throws. */
function optionError(option: string, value: unknown, rule: Parameters<typeof checkedOption>[2]): SessionOptionsError {
  try {
    checkedOption(option, value, rule);
  } catch (error) {
    expect(error).toBeInstanceOf(SessionOptionsError);
    return error as SessionOptionsError;
  }
  throw new Error('expected the option to be refused');
}

describe('describeValue: a value as messages show it', () => {
  it.each([
    ['yes', '"yes"'],
    [42, '42'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'undefined'],
    [new Date(5), 'Date(5)'],
    [[1, 2], 'an array'],
    [{ password: 'hunter2' }, 'a object'],
    [() => 1, 'a function'],
  ])('%p → %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it('cuts long strings, so a message never carries a whole payload', () => {
    expect(describeValue('x'.repeat(500))).toBe(JSON.stringify(`${'x'.repeat(100)}…`));
  });
});

describe('rules, in one wording: "must be <expected>, got <value>"', () => {
  it.each([
    [BOOLEAN, true, 'yes', 'must be true or false, got "yes"'],
    [STRING, '', 1, 'must be a string, got 1'],
    [NON_EMPTY_STRING, 'a', '', 'must be a non-empty string, got ""'],
    [aFunction(), () => 1, 42, 'must be a function, got 42'],
    [aFunction('(req) => string'), () => 'id', 'id', 'must be a function (req) => string, got "id"'],
    [oneOf(['keep', 'destroy']), 'keep', 'forget', "must be one of 'keep', 'destroy', got \"forget\""],
    [oneOf([true, false, 'auto']), 'auto', 'AUTO', "must be one of true, false, 'auto', got \"AUTO\""],
    [positiveInteger('seconds'), 1, 1.5, 'must be a positive whole number of seconds, got 1.5'],
    [positiveInteger(), 3, 0, 'must be a positive whole number, got 0'],
    [nonNegativeInteger('characters'), 0, -1, 'must be a whole number of characters (0 or more), got -1'],
    [nonNegativeInteger('characters'), 8_388_608, 0.5, 'must be a whole number of characters (0 or more), got 0.5'],
    [positiveInteger('seconds'), Number.MAX_SAFE_INTEGER, 1e300, 'must be a positive whole number of seconds, got 1e+300'],
    [positiveNumber('milliseconds'), 0.5, Infinity, 'must be a positive number of milliseconds, got Infinity'],
    [numberWithin(0, 10, 'a number from 0 to 10'), 0, 11, 'must be a number from 0 to 10, got 11'],
    [either(positiveInteger('seconds'), aFunction()), () => 1, -1, 'must be a positive whole number of seconds or a function, got -1'],
  ])('%#: accepts what it names and words the refusal of the rest', (rule, accepted, refused, message) => {
    expect(problemOf(accepted, rule)).toBeUndefined();
    expect(problemOf(refused, rule)).toBe(message);
  });

  it('oneOf with ignoreCase accepts names in any casing', () => {
    const sameSite = oneOf(['lax', 'strict'], { ignoreCase: true });
    expect(problemOf('Strict', sameSite)).toBeUndefined();
    expect(problemOf('sometimes', sameSite)).toBe("must be one of 'lax', 'strict', got \"sometimes\"");
  });

  it('numbers that are not numbers never pass', () => {
    for (const rule of [positiveInteger(), positiveNumber('ms'), numberWithin(-Infinity, Infinity, 'any number')]) {
      expect(problemOf(Number.NaN, rule)).toBeDefined();
      expect(problemOf('5', rule)).toBeDefined();
    }
  });
});

describe('checkedOption', () => {
  it('gives the value, or undefined when the option is not given (the caller applies its default)', () => {
    expect(checkedOption('resave', true, BOOLEAN)).toBe(true);
    expect(checkedOption('resave', undefined, BOOLEAN)).toBeUndefined();
  });

  it('refuses a bad value with a SessionOptionsError naming the option and describing the value', () => {
    const error = optionError('RedisStore.ttl', 0, positiveInteger('seconds'));
    expect(error.option).toBe('RedisStore.ttl');
    expect(error.message).toBe('nest-sessions: invalid option `RedisStore.ttl`: must be a positive whole number of seconds, got 0');
  });

  it('null is a value, not "not given"', () => {
    expect(optionError('proxy', null, BOOLEAN).message).toContain('got null');
  });
});

describe('arrayOf', () => {
  const rule = arrayOf(NON_EMPTY_STRING, 'an array of names');

  it('accepts arrays whose every entry passes, empty ones included', () => {
    expect(problemOf([], rule)).toBeUndefined();
    expect(problemOf(['a', 'b'], rule)).toBeUndefined();
  });

  it.each([[['a', '']], ['a'], [[1]], [null]])('refuses %p in its own words', (value) => {
    expect(problemOf(value, rule)).toMatch(/^must be an array of names, got /);
  });
});
