/** QUIC analyzer: long/short headers, Initial packets decrypted for the TLS hellos, the rest reported as encrypted. */
export {
  looksLikeQuic, parseQuicLongHeader, QUIC_V1, QUIC_V2, quicVersionName, readVarint, splitQuicDatagram,
  type QuicLongHeader, type QuicPacketInfo, type QuicPacketType,
} from './header.js';
export { decryptInitial, initialKeys, readInitialFrames, type InitialKeys, type PacketKeys } from './initial.js';
export { MAX_CRYPTO_BUFFER, QuicTracker, type QuicSummary } from './tracker.js';
