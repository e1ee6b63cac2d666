/** HTTP/2 analyzer: h2c framing and HPACK header decoding. */
export { H2_PREFACE, Http2Parser, type H2Stream, type Http2Options } from './parser.js';
export { errorCodeName, FrameType, frameTypeName } from './frames.js';
