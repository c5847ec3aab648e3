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

export const ASSETS = {
  css: makeAsset('page', 'css', PAGE_CSS, 'text/css; charset=utf-8'),
  js: makeAsset('page', 'js', CLIENT_JS, 'text/javascript; charset=utf-8'),
} as const;
