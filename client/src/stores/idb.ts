/**
 * A minimal promise wrapper over IndexedDB: open a database with named object stores, and run
 * get / put / delete / getAll / clear in one transaction each, or several operations in one
 * read-write transaction. It exists because `idb` is not a direct dependency of this project
 * (it is only present transitively), and the client needs about a tenth of it. It deliberately
 * has no cursors, no indexes and no schema migrations beyond "create stores that are missing".
 */

/** Turns an IDBRequest into a promise. */
export function requestToPromise<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

/** Resolves when a transaction has committed (durably, as far as the browser promises). */
function transactionDone(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
  });
}

/** One open IndexedDB database whose stores use out-of-line keys. */
export class Db {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (creating when needed) database `name` with `stores`. Adding a store bumps `version`. */
  static open(name: string, version: number, stores: readonly string[]): Promise<Db> {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(name, version);
      req.onupgradeneeded = () => {
        for (const s of stores) if (!req.result.objectStoreNames.contains(s)) req.result.createObjectStore(s);
      };
      req.onsuccess = () => resolve(new Db(req.result));
      req.onerror = () => reject(req.error ?? new Error('IndexedDB open failed'));
      req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
    });
  }

  /** Deletes a whole database (logout). */
  static delete(name: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error ?? new Error('IndexedDB delete failed'));
      // Another tab still holds it open: the deletion completes when that tab closes it.
      req.onblocked = () => resolve();
    });
  }

  async get<T>(store: string, key: IDBValidKey): Promise<T | undefined> {
    return (await requestToPromise(this.db.transaction(store).objectStore(store).get(key))) as T | undefined;
  }

  /** Several keys of one store in one transaction (undefined where absent), in the order asked. */
  getMany<T>(store: string, keys: IDBValidKey[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const os = this.db.transaction(store).objectStore(store);
    return Promise.all(keys.map((k) => requestToPromise(os.get(k)) as Promise<T | undefined>));
  }

  async getAll<T>(store: string, range?: IDBKeyRange): Promise<T[]> {
    return (await requestToPromise(this.db.transaction(store).objectStore(store).getAll(range))) as T[];
  }

  /** Every key with its value, read in one transaction (so they match). */
  entries<T>(store: string): Promise<[IDBValidKey, T][]> {
    return new Promise((resolve, reject) => {
      const out: [IDBValidKey, T][] = [];
      const req = this.db.transaction(store).objectStore(store).openCursor();
      req.onsuccess = () => {
        const cursor = req.result;
        if (!cursor) return resolve(out);
        out.push([cursor.key, cursor.value as T]);
        cursor.continue();
      };
      req.onerror = () => reject(req.error);
    });
  }

  async getAllKeys(store: string, range?: IDBKeyRange): Promise<IDBValidKey[]> {
    return requestToPromise(this.db.transaction(store).objectStore(store).getAllKeys(range));
  }

  async count(store: string): Promise<number> {
    return requestToPromise(this.db.transaction(store).objectStore(store).count());
  }

  /** Runs `fn` in one read-write transaction over `stores` and resolves once it has committed. */
  async write(stores: string | string[], fn: (tx: IDBTransaction) => void): Promise<void> {
    const tx = this.db.transaction(stores, 'readwrite');
    const done = transactionDone(tx);
    fn(tx);
    await done;
  }

  put(store: string, key: IDBValidKey, value: unknown): Promise<void> {
    return this.write(store, (tx) => tx.objectStore(store).put(value, key));
  }

  delete(store: string, key: IDBValidKey | IDBKeyRange): Promise<void> {
    return this.write(store, (tx) => tx.objectStore(store).delete(key));
  }

  clear(stores: string[]): Promise<void> {
    return this.write(stores, (tx) => {
      for (const s of stores) tx.objectStore(s).clear();
    });
  }

  close(): void {
    this.db.close();
  }
}
