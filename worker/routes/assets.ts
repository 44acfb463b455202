/**
 * Serves the built web client from the ASSETS binding: a disk directory on workerd, the assets
 * service on Cloudflare. workerd's disk service sends every file as octet-stream and answers a
 * directory with a JSON listing, so this sets the content type from the extension, never
 * exposes a listing, caches hashed files for a year, gzips text for clients that accept it (the
 * self-hosted server has no proxy in front to do it) and answers every other path with
 * index.html, so client-side routes deep-link.
 */
import type { Context } from 'hono';
import type { AppEnv } from '../app';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  webmanifest: 'application/manifest+json',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff2: 'font/woff2',
  wasm: 'application/wasm',
  txt: 'text/plain; charset=utf-8',
};

/** Types worth compressing (images and fonts are compressed already). */
const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json)|image\/svg\+xml)/;

async function fetchFile(c: Context<AppEnv>, path: string): Promise<Response | null> {
  const res = await c.env.ASSETS.fetch(new Request(new URL(path, c.req.url), { method: c.req.method === 'HEAD' ? 'HEAD' : 'GET' }));
  if (!res.ok) return null;
  const ext = /\.([a-z0-9]+)$/.exec(path)?.[1];
  const headers = new Headers(res.headers);
  headers.set('Content-Type', (ext && TYPES[ext]) || 'application/octet-stream');
  headers.set('Cache-Control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  headers.append('Vary', 'Accept-Encoding');
  const gzip = res.body && c.req.method !== 'HEAD' && COMPRESSIBLE.test(headers.get('Content-Type')!) && /\bgzip\b/.test(c.req.header('Accept-Encoding') ?? '');
  if (!gzip) return new Response(res.body, { status: 200, headers });
  // The runtime compresses a body whose Content-Encoding names a coding (encodeBody "automatic").
  headers.set('Content-Encoding', 'gzip');
  headers.delete('Content-Length');
  return new Response(res.body, { status: 200, headers });
}

export async function serveClient(c: Context<AppEnv>): Promise<Response> {
  let path: string;
  try {
    path = decodeURIComponent(new URL(c.req.url).pathname);
  } catch {
    return Response.json({ error: { code: "bad_request", message: "malformed percent-encoding in path" } }, { status: 400 });
  }
  // Only names that look like files are looked up; a directory never answers with a listing.
  const looksLikeFile = /^\/[A-Za-z0-9._/-]*\.[a-z0-9]+$/.test(path) && !path.includes('..') && !/\/\./.test(path);
  const file = looksLikeFile ? await fetchFile(c, path) : null;
  if (file) return file;
  if (looksLikeFile && /\.[a-z0-9]+$/.test(path) && !path.endsWith('.html')) {
    return Response.json({ error: { code: 'not_found', message: `no file ${path}` } }, { status: 404 });
  }
  const index = await fetchFile(c, '/index.html');
  return index ?? Response.json({ error: { code: 'not_found', message: 'the web client is not built; run npm run build' } }, { status: 404 });
}
