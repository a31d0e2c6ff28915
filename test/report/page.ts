// Reading the HTML report in tests without a browser: an element by data-testid, and what a
// self-contained page must not hold.

import { expect } from 'vitest';

/** The element carrying data-testid="id": its data-value and its text (nested elements included). */
export function testid(html: string, id: string): { value?: string; text: string } | undefined {
  const open = new RegExp(`<(\\w+)([^>]*)data-testid="${id}"([^>]*)>`).exec(html);
  if (!open) return undefined;
  const tag = open[1] as string;
  const value = /data-value="([^"]*)"/.exec(open[0])?.[1];
  // Find the matching close tag, counting nested elements of the same name.
  const re = new RegExp(`<(/?)${tag}\\b[^>]*>`, 'g');
  re.lastIndex = open.index + open[0].length;
  let depth = 1;
  let end = html.length;
  for (let m = re.exec(html); m; m = re.exec(html)) {
    depth += m[1] ? -1 : 1;
    if (depth === 0) {
      end = m.index;
      break;
    }
  }
  const text = html.slice(open.index + open[0].length, end).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return { ...(value !== undefined && { value }), text };
}

/** What the page must not contain, whatever the report holds: nothing fetched, nothing run. */
export function expectSelfContained(html: string): void {
  expect(html).not.toMatch(/<script\b/i);
  expect(html).not.toMatch(/<link\b(?![^>]*href="data:)[^>]*>/i);
  expect(html).not.toMatch(/<link[^>]*href=["']?https?:/i);
  expect(html).not.toMatch(/url\(\s*["']?(https?:|\/\/)/i);
  expect(html).not.toMatch(/@import/i);
  expect(html).not.toMatch(/<(img|iframe|object|embed|video|audio|source)\b/i);
  // In tags (escaped text never holds a "<"): nothing loaded from anywhere, no event handler.
  for (const [tag] of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    expect(tag).not.toMatch(/\s(src|srcset|action|formaction|poster|background)=/i);
    expect(tag).not.toMatch(/\son[a-z]+=/i);
    expect(tag).not.toMatch(/\shref="(?!#|data:,")/i);
  }
  expect(html).toContain('<link rel="icon" href="data:,">');
  // The only absolute URL in any tag is the SVG namespace of the inline charts (a URL in escaped
  // text, such as a finding's title, is only text).
  const urls = new Set([...html.matchAll(/<[a-zA-Z][^>]*>/g)].flatMap(([tag]) => [...tag.matchAll(/(https?:)?\/\/[^\s"'<>)]+/g)].map((m) => m[0])));
  expect([...urls].filter((u) => u !== 'http://www.w3.org/2000/svg')).toEqual([]);
  const style = /<style>(.*?)<\/style>/s.exec(html)?.[1] ?? '';
  expect(style).not.toMatch(/url\(|@import|@font-face/i);
}
