#include "scan.h"

#include <cstdint>

// What this walk leaves to TypeScript, so that every problem is still logged
// there, by one piece of code: it stops *before* any record that is not whole
// in [start, end), that claims more than kMaxCapLen, or that the reader would
// report (zero length, captured > original, captured > snaplen, a fraction of
// a second out of range). The caller parses that one record with its own
// loop and calls again. Files whose lengths may be swapped (versions before
// 2.3, 543.0) never come here: the caller keeps them on its own loop.
//
// For Ethernet frames it applies exactly the conditions of ethIpv4Tcp() in
// src/decode/stack.ts and, when they hold and the TCP options are of a kind
// that leaves no anomaly, writes the fields that function sets into the
// frame's slot with kEligible; any other frame gets state 0 and is decoded
// by the TypeScript decoder as before. test/decode/pre-decoded.test.ts
// compares both on the corpus and on mutations of every header byte.

namespace {

// One slot per frame, kStride words; src/capture/scan-slot.ts (Slot) names the same words.
enum Word : uint32_t {
  kOffset = 0,   // offset of the frame's first byte in buf
  kCapLen = 1,
  kOrigLen = 2,
  kTsSec = 3,
  kTsNsec = 4,
  kState = 5,    // State bits; 0: not pre-decoded
  kIpTotal = 6,
  kTtl = 7,
  kIpId = 8,
  kSrc = 9,
  kDst = 10,
  kSrcPort = 11,
  kDstPort = 12,
  kSeq = 13,
  kAck = 14,
  kTcpFlags = 15,
  kWindow = 16,
  kUrgent = 17,
  kTcpHeaderLen = 18,
  kMss = 19,
  kWscale = 20,
  kTsVal = 21,
  kTsEcr = 22,
  kSackCount = 23,
  kSack = 24,    // 8 words: (left, right) × 4
  kStride = 32,
};

enum State : uint32_t {
  kEligible = 1,
  kHasMss = 2,
  kHasWscale = 4,
  kSackPermitted = 8,
  kHasTimestamps = 16,
};

constexpr uint64_t kRecordHeaderLen = 16;
// src/capture/reader-base.ts MAX_CAPLEN (Wireshark's and libpcap's 256 KiB).
constexpr uint32_t kMaxCapLen = 262144;
// IEEE 802.3 minimum frame without FCS: shorter datagrams are padded to it (stack.ts ETH_MIN_FRAME).
constexpr uint32_t kEthMinFrame = 60;

inline uint32_t rd32(const uint8_t* p, bool le) {
  return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
            : (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}
inline uint32_t be16(const uint8_t* p) { return (uint32_t)p[0] << 8 | p[1]; }
inline uint32_t be32(const uint8_t* p) { return rd32(p, false); }

// src/wire/tcp.ts tcpOptionExpectedLength(): the length a known kind must have (0: any).
inline uint32_t expectedLength(uint32_t kind) {
  switch (kind) {
    case 2: return 4;
    case 3: return 3;
    case 4: return 2;
    case 8: return 10;
    case 19: return 18;
    case 28: return 4;
    default: return 0;
  }
}

// tcpOptions() of stack.ts over opt[0, len), for the layouts that leave no
// anomaly: false where it would mark tcp_bad_option or
// tcp_option_wrong_length (the frame is then left to TypeScript). Later
// options overwrite earlier ones and SACK blocks accumulate up to four, as
// there; kinds without a field are skipped; EOL ends the walk.
bool tcpOptions(const uint8_t* opt, uint32_t len, uint32_t* s, uint32_t* state) {
  // NOP, NOP, Timestamps (RFC 7323 Appendix A): most segments after the SYNs carry exactly this.
  if (len == 12 && opt[0] == 1 && opt[1] == 1 && opt[2] == 8 && opt[3] == 10) {
    s[kTsVal] = be32(opt + 4);
    s[kTsEcr] = be32(opt + 8);
    s[kSackCount] = 0;
    *state |= kHasTimestamps;
    return true;
  }
  uint32_t sackCount = 0;
  uint32_t p = 0;
  while (p < len) {
    uint32_t kind = opt[p];
    if (kind == 0) break;
    if (kind == 1) {
      p++;
      continue;
    }
    if (len - p < 2) return false;
    uint32_t olen = opt[p + 1];
    if (olen < 2 || olen > len - p) return false;
    uint32_t want = expectedLength(kind);
    if (want != 0 && olen != want) return false;
    const uint8_t* v = opt + p + 2;
    switch (kind) {
      case 2:
        s[kMss] = be16(v);
        *state |= kHasMss;
        break;
      case 3:
        s[kWscale] = v[0];
        *state |= kHasWscale;
        break;
      case 4:
        *state |= kSackPermitted;
        break;
      case 8:
        s[kTsVal] = be32(v);
        s[kTsEcr] = be32(v + 4);
        *state |= kHasTimestamps;
        break;
      case 5:
        if ((olen - 2) % 8 != 0) return false;
        for (uint32_t q = 0; q + 8 <= olen - 2 && sackCount < 4; q += 8) {
          s[kSack + sackCount * 2] = be32(v + q);
          s[kSack + sackCount * 2 + 1] = be32(v + q + 4);
          sackCount++;
        }
        break;
    }
    p += olen;
  }
  s[kSackCount] = sackCount;
  return true;
}

// ethIpv4Tcp() of stack.ts on a whole frame f[0, capLen): its conditions,
// then the fields it sets (offsets are implied: IPv4 at 14, TCP at 34).
// Returns the slot's state (0 when the frame is not pre-decoded).
uint32_t ethIpv4Tcp(const uint8_t* f, uint32_t capLen, uint32_t origLen, uint32_t* s) {
  // Every byte captured (stack.ts: end === wire) and the three fixed headers present.
  if (capLen != origLen || capLen < 54) return 0;
  if (f[12] != 0x08 || f[13] != 0x00) return 0;
  const uint8_t* ip = f + 14;
  if (ip[0] != 0x45 || ip[9] != 6 || (be16(ip + 6) & 0x3fff) != 0) return 0;
  uint32_t total = be16(ip + 2);
  uint32_t pend = 14 + total;
  // Bytes after the datagram only as Ethernet minimum-size padding.
  if (total < 40 || pend > capLen || (pend < capLen && capLen > kEthMinFrame)) return 0;
  const uint8_t* t = ip + 20;
  uint32_t hl = (uint32_t)(t[12] >> 4) * 4;
  uint32_t flags = be16(t + 12) & 0x0fff;
  if (hl < 20 || 34 + hl > pend || (flags & 3) == 3) return 0;
  uint32_t state = kEligible;
  if (hl > 20 && !tcpOptions(t + 20, hl - 20, s, &state)) return 0;
  s[kIpTotal] = total;
  s[kTtl] = ip[8];
  s[kIpId] = be16(ip + 4);
  s[kSrc] = be32(ip + 12);
  s[kDst] = be32(ip + 16);
  s[kSrcPort] = be16(t);
  s[kDstPort] = be16(t + 2);
  s[kSeq] = be32(t + 4);
  s[kAck] = be32(t + 8);
  s[kTcpFlags] = flags;
  s[kWindow] = be16(t + 14);
  s[kUrgent] = be16(t + 18);
  s[kTcpHeaderLen] = hl;
  return state;
}

// A JS number that is an integer in [lo, hi].
bool intArg(const Napi::Value& v, double lo, double hi, double* out) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != (double)(int64_t)d) return false;
  *out = d;
  return true;
}

}  // namespace

// scanPcap(buf: Uint8Array, start, end, flags, snapLen, linkType, first, max, slots: Uint32Array): number
// flags: 1 little-endian, 2 nanosecond timestamps. Walks whole records from
// buf[start] while they end by `end`, writing slot first, first+1, ... (at
// most max); returns how many. The next record starts at the last slot's
// offset + capLen.
Napi::Value ScanPcap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* usage = "scanPcap(buf: Uint8Array, start, end, flags, snapLen, linkType, first, max, slots: Uint32Array)";
  if (info.Length() < 9 || !info[0].IsTypedArray() || !info[8].IsTypedArray()) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::TypedArray bufTa = info[0].As<Napi::TypedArray>();
  Napi::TypedArray slotsTa = info[8].As<Napi::TypedArray>();
  if (bufTa.TypedArrayType() != napi_uint8_array || slotsTa.TypedArrayType() != napi_uint32_array) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array buf = bufTa.As<Napi::Uint8Array>();
  Napi::Uint32Array slots = slotsTa.As<Napi::Uint32Array>();
  double start, end, flags, snapLen, linkType, first, max;
  if (!intArg(info[1], 0, 4294967295.0, &start) || !intArg(info[2], 0, 4294967295.0, &end) ||
      !intArg(info[3], 0, 3, &flags) || !intArg(info[4], 0, 4294967295.0, &snapLen) ||
      !intArg(info[5], 0, 4294967295.0, &linkType) || !intArg(info[6], 0, 4294967295.0, &first) ||
      !intArg(info[7], 0, 4294967295.0, &max)) {
    Napi::TypeError::New(env, usage).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (start > end || end > (double)buf.ElementLength()) {
    Napi::RangeError::New(env, "scanPcap: start..end lies outside the buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if ((first + max) * kStride > (double)slots.ElementLength()) {
    Napi::RangeError::New(env, "scanPcap: first + max slots exceed the slot array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const uint8_t* data = buf.Data();
  uint32_t* out = slots.Data() + (size_t)first * kStride;
  const bool le = ((uint32_t)flags & 1) != 0;
  const bool nano = ((uint32_t)flags & 2) != 0;
  const uint32_t snap = (uint32_t)snapLen;
  const uint32_t fracLimit = nano ? 1000000000u : 1000000u;
  const bool ethernet = linkType == 1;
  const uint64_t stop = (uint64_t)end;
  const uint64_t count = (uint64_t)max;
  uint64_t p = (uint64_t)start;
  uint64_t k = 0;
  for (; k < count; k++) {
    if (stop - p < kRecordHeaderLen) break;
    const uint8_t* h = data + p;
    uint32_t sec = rd32(h, le);
    uint32_t frac = rd32(h + 4, le);
    uint32_t capLen = rd32(h + 8, le);
    uint32_t origLen = rd32(h + 12, le);
    if (capLen > kMaxCapLen || stop - p - kRecordHeaderLen < capLen) break;
    if (capLen == 0 || capLen > origLen || (snap != 0 && capLen > snap) || frac >= fracLimit) break;
    uint32_t* s = out + k * kStride;
    s[kOffset] = (uint32_t)(p + kRecordHeaderLen);
    s[kCapLen] = capLen;
    s[kOrigLen] = origLen;
    s[kTsSec] = sec;
    s[kTsNsec] = nano ? frac : frac * 1000;
    s[kState] = ethernet ? ethIpv4Tcp(h + kRecordHeaderLen, capLen, origLen, s) : 0;
    p += kRecordHeaderLen + capLen;
  }
  return Napi::Number::New(env, (double)k);
}
