/**
 * The page's static assets, served by the page plugin under content-hashed
 * paths, so browsers may cache them for good and a new build is picked up at once.
 */
import { createHash } from 'node:crypto';
import { CLIENT_JS } from './client.js';
import { PAGE_CSS } from './styles.js';

export interface Asset {
  path: string;
  body: string;
  contentType: string;
}

function makeAsset(name: string, ext: string, body: string, contentType: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/page/assets/${name}-${hash}.${ext}`, body, contentType };
}

/** A favicon (a fork glyph), so browsers do not ask for /favicon.ico. */
const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2356c5"/><path d="M16 26V15M16 15 9 7M16 15l7-8" stroke="#fff" stroke-width="3" fill="none" stroke-linecap="round"/></svg>`;

export const ASSETS = {
  icon: makeAsset('icon', 'svg', ICON_SVG, 'image/svg+xml'),
  css: makeAsset('page', 'css', PAGE_CSS, 'text/css; charset=utf-8'),
  js: makeAsset('page', 'js', CLIENT_JS, 'text/javascript; charset=utf-8'),
} as const;
