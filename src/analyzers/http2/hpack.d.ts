/**
 * The part of hpack.js (RFC 7541 HPACK, plain JavaScript, no types shipped)
 * that the HTTP/2 analyzer uses: a decompressor per direction.
 */
declare module 'hpack.js' {
  export interface HpackHeader { name: string; value: string; neverIndex: boolean }
  export interface Decompressor {
    write(chunk: Buffer): boolean;
    /** Decodes what was written; failures are emitted as 'error' (there is no return value). */
    execute(): void;
    read(): HpackHeader | null;
    on(event: 'error', cb: (err: Error) => void): this;
    updateTableSize(size: number): void;
  }
  const hpack: {
    decompressor: { create(options: { table: { maxSize: number } }): Decompressor };
  };
  export default hpack;
}
