/**
 * Opaque blobs (encrypted key backups now, encrypted files later): a writable disk directory on
 * the self-hosted workerd, R2 on Cloudflare, behind one small interface. Keys are server-made
 * paths of URL-safe segments; the bytes are ciphertext the server cannot read.
 */
import type { Env } from '../env';

export interface BlobStore {
  put(key: string, data: Uint8Array<ArrayBuffer>): Promise<void>;
  get(key: string): Promise<Uint8Array<ArrayBuffer> | null>;
  /** The blob as the store's own stream (piped natively, never read into JS), or null. */
  stream(key: string): Promise<ReadableStream<Uint8Array> | null>;
  delete(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/;

/** Where a user's encrypted key backup lives. */
export function keyBackupBlob(userId: string): string {
  return `key-backups/${userId}`;
}

function checkKey(key: string): string {
  if (!KEY.test(key)) throw new Error('blob keys are URL-safe path segments');
  return key;
}

/** workerd's disk directory service: PUT writes atomically, GET reads, DELETE removes. */
class DiskBlobStore implements BlobStore {
  constructor(private readonly dir: Fetcher) {}

  async put(key: string, data: Uint8Array<ArrayBuffer>): Promise<void> {
    const res = await this.dir.fetch(`http://blobs/${checkKey(key)}`, { method: 'PUT', body: data });
    if (!res.ok) throw new Error(`blob write failed with ${res.status}`);
  }

  async get(key: string): Promise<Uint8Array<ArrayBuffer> | null> {
    const res = await this.dir.fetch(`http://blobs/${checkKey(key)}`);
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`blob read failed with ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async stream(key: string): Promise<ReadableStream<Uint8Array> | null> {
    const res = await this.dir.fetch(`http://blobs/${checkKey(key)}`);
    if (res.status === 404) return null;
    if (!res.ok || !res.body) throw new Error(`blob read failed with ${res.status}`);
    return res.body;
  }

  async delete(key: string): Promise<void> {
    const res = await this.dir.fetch(`http://blobs/${checkKey(key)}`, { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw new Error(`blob delete failed with ${res.status}`);
  }
}

class R2BlobStore implements BlobStore {
  constructor(private readonly bucket: R2Bucket) {}

  async put(key: string, data: Uint8Array<ArrayBuffer>): Promise<void> {
    await this.bucket.put(checkKey(key), data);
  }

  async get(key: string): Promise<Uint8Array<ArrayBuffer> | null> {
    const object = await this.bucket.get(checkKey(key));
    return object ? new Uint8Array(await object.arrayBuffer()) : null;
  }

  async stream(key: string): Promise<ReadableStream<Uint8Array> | null> {
    return (await this.bucket.get(checkKey(key)))?.body ?? null;
  }

  async delete(key: string): Promise<void> {
    await this.bucket.delete(checkKey(key));
  }
}

/**
 * The self-hosted config binds a disk directory as BLOB_DIR; wrangler binds R2 as BLOBS. They
 * have different names because a service binding answers any property (it is an RPC stub), so
 * the two cannot be told apart by shape.
 */
export function blobStore(env: Env): BlobStore {
  if (env.BLOB_DIR) return new DiskBlobStore(env.BLOB_DIR);
  if (env.BLOBS) return new R2BlobStore(env.BLOBS);
  throw new Error('no blob storage bound: BLOB_DIR (disk) or BLOBS (R2)');
}
