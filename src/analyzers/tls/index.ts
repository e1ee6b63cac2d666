/** TLS analyzer: record layer over TCP, handshake summary shared with QUIC. */
export { looksLikeTls, MAX_RECORD_LENGTH, TlsParser } from './parser.js';
export { HandshakeReader, TlsSession, type CipherSuite, type HandshakeSink, type TlsSummary } from './handshake.js';
export { cipherSuiteName, versionName } from './names.js';
