import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pdfString } from '../../src/server/pdf.js';

test('PDF strings: WinAnsi codes for Latin-1 and the typographic punctuation notes are typed with', () => {
  assert.equal(pdfString('a (b) \\ c'), '(a \\(b\\) \\\\ c)', 'parentheses and backslash escaped');
  assert.equal(pdfString('élan'), '(\\351lan)', 'Latin-1 as octal escapes');
  // “ ” ‘ ’ – — … € ™ Œ: WinAnsiEncoding's 147 148 145 146 150 151 133 128 153 140.
  assert.equal(pdfString('“ok” ‘a’ – — … € ™ Œ'), '(\\223ok\\224 \\221a\\222 \\226 \\227 \\205 \\200 \\231 \\214)');
  assert.equal(pdfString('火 \u0081 \u009d 😀'), '(? ? ? ?)', 'what WinAnsi cannot show, and its unassigned codes as characters, become ?');
});
