/**
 * synack as a library: the analysis pipeline and its plain-object model.
 * No UI and no CLI here (STYLE: cli → ui → analyzers → flow → decode).
 */
export { Analysis, analyzeFile } from './analysis.js';
export type { AnalysisOptions, AnalysisStats, AnalyzeFileOptions, FrameConn } from './analysis.js';

export type {
  ConnSummary, Endpoint, HandshakeKind, TeardownKind, TcpStateName, TimelineEntry,
} from './flow/model.js';
export type { AppObserver, Dir, TcpSegmentInfo, UdpDatagramInfo } from './flow/hooks.js';
export { CONN_STATE_MEANINGS, HISTORY_MEANINGS, connState } from './flow/tcp-state.js';
export { ROLE_RULE } from './flow/tcp-tracker.js';
export { formatTcpOptions, tcpdumpFlags } from './flow/summary.js';
export { seqAdd, seqBetween, seqDiff, seqGeq, seqGt, seqLeq, seqLt, seqMax, seqMin, seqRel } from './flow/seq.js';
export { AnalysisFlag, describeAnalysis } from './flow/tcp-analysis.js';

export type {
  AppEvent, AppLayer, DnsTransaction, HttpTransaction,
} from './analyzers/types.js';
export { createAppLayer } from './analyzers/index.js';

export { openCapture } from './capture/open.js';
export type { OpenOptions } from './capture/open.js';
export { CaptureError, cloneFrame, eachFrame, newFrame } from './capture/source.js';
export type { CaptureInfo, CaptureInterface, Frame, FrameSource, ReaderProblem } from './capture/source.js';

export { Decoded, LayerId, TcpFlag } from './decode/decoded.js';
export { FrameDecoder, addrToString, decodeFrame } from './decode/stack.js';
export { Anomaly } from './decode/anomalies.js';

export { safeBytes, safeTag, safeText, safeUtf8 } from './bytes/safe-text.js';
