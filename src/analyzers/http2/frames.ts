/**
 * HTTP/2 framing constants (RFC 9113 §4.1, §6, §7, §11): the frame header
 * layout, frame types, flags, settings and error codes, with names for
 * display. Unknown values keep their raw number (RFC 9113 §4.1: "
 * Implementations MUST ignore and discard frames of unknown types").
 */

/** RFC 9113 §3.4: the client connection preface. */
export const H2_PREFACE = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** Frame header: Length (24), Type (8), Flags (8), R (1) + Stream Identifier (31). */
export const FRAME_HEADER_LEN = 9;
export const OFF_LENGTH = 0;
export const OFF_TYPE = 3;
export const OFF_FLAGS = 4;
export const OFF_STREAM = 5;

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

const FRAME_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];

export function frameTypeName(type: number): string {
  return FRAME_NAMES[type] ?? `frame type 0x${type.toString(16).padStart(2, '0')}`;
}

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

const SETTINGS_NAMES: Record<number, string> = {
  1: 'HEADER_TABLE_SIZE',
  2: 'ENABLE_PUSH',
  3: 'MAX_CONCURRENT_STREAMS',
  4: 'INITIAL_WINDOW_SIZE',
  5: 'MAX_FRAME_SIZE',
  6: 'MAX_HEADER_LIST_SIZE',
  8: 'ENABLE_CONNECT_PROTOCOL', // RFC 8441
  9: 'NO_RFC7540_PRIORITIES', // RFC 9218
};

export function settingName(id: number): string {
  return SETTINGS_NAMES[id] ?? `0x${id.toString(16)}`;
}

const ERROR_NAMES = [
  'NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED',
  'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED',
];

export function errorCodeName(code: number): string {
  return ERROR_NAMES[code] ?? `error 0x${code.toString(16)}`;
}
