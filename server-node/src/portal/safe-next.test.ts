import { describe, expect, it } from 'vitest';
import { safeNext } from './safe-next.js';

describe('safeNext', () => {
  it('keeps a path on this site, query and fragment included', () => {
    expect(safeNext('/')).toBe('/');
    expect(safeNext('/tasks/42?follow=1#log')).toBe('/tasks/42?follow=1#log');
    expect(safeNext('/projects/a%2Fb')).toBe('/projects/a%2Fb');
    expect(safeNext('/a?next=//evil.example')).toBe('/a?next=//evil.example');
    expect(safeNext('/a/../tasks')).toBe('/tasks');
    expect(safeNext('/%2F%2Fevil.example')).toBe('/%2F%2Fevil.example');
  });

  it.each([
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '\t//evil.example',
    '/\u0000/evil.example',
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '/\\/evil.example',
    '/.//evil.example',
    '/a/..//evil.example',
    '/./\\evil.example',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,hi',
    'http://evil.example/',
    'https://evil.example',
    'http:evil.example',
    'http://x.invalid/',
    '%2F%2Fevil.example',
    'evil.example',
    ' /evil',
    '',
  ])('sends %j home', (next) => {
    expect(safeNext(next)).toBe('/');
  });
});
