#include "filter.h"

#include <cstdio>
#include <cstring>
#include <string>

// File headers carry LINKTYPE_* values; pcap_open_dead wants the platform's
// DLT_* value. They are equal except for a few historical numbers, mapped as
// libpcap's own linktype_to_dlt() does (pcap-common.c).
static int linktypeToDlt(int linkType) {
  switch (linkType) {
#ifdef DLT_ATM_RFC1483
    case 100: return DLT_ATM_RFC1483;
#endif
    case 101: return DLT_RAW;
#ifdef DLT_SLIP_BSDOS
    case 102: return DLT_SLIP_BSDOS;
#endif
#ifdef DLT_PPP_BSDOS
    case 103: return DLT_PPP_BSDOS;
#endif
    case 50: return DLT_PPP_SERIAL;
    case 51: return DLT_PPP_ETHER;
#ifdef DLT_PFLOG
    case 117: return DLT_PFLOG;
#endif
    default: return linkType;
  }
}

// A pcap_t that libpcap believes reads a savefile of `linkType`, `snaplen` and
// byte order: made from a 24-byte pcap file header in memory. The filter
// compiler treats savefiles specially (DLT_NULL's AF_INET6 takes the BSD
// values of every platform; a header in the other byte order is swapped), so
// this, not pcap_open_dead, gives exactly what `tcpdump -r FILE EXPR` runs.
static pcap_t* openSavefileLike(int linkType, int snaplen, bool bigEndian, char* errbuf) {
  unsigned char hdr[24];
  auto put32 = [&](int off, uint32_t v) {
    for (int i = 0; i < 4; i++) hdr[off + i] = (unsigned char)(bigEndian ? v >> (24 - 8 * i) : v >> (8 * i));
  };
  auto put16 = [&](int off, uint16_t v) {
    hdr[off] = (unsigned char)(bigEndian ? v >> 8 : v);
    hdr[off + 1] = (unsigned char)(bigEndian ? v : v >> 8);
  };
  put32(0, 0xa1b2c3d4);
  put16(4, 2);
  put16(6, 4);
  put32(8, 0);
  put32(12, 0);
  put32(16, (uint32_t)snaplen);
  put32(20, (uint32_t)linkType);
  FILE* f = fmemopen(hdr, sizeof hdr, "rb");
  if (f == nullptr) return nullptr;
  // pcap_fopen_offline reads the header at once and owns the FILE afterwards.
  pcap_t* p = pcap_fopen_offline(f, errbuf);
  if (p == nullptr) fclose(f);
  return p;
}

// new Filter(expr, linkType, snaplen, bigEndian?): compiles or throws libpcap's message.
Filter::Filter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Filter>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "Filter(expr: string, linkType: number, snaplen: number, bigEndian?: boolean)").ThrowAsJavaScriptException();
    return;
  }
  std::string expr = info[0].As<Napi::String>().Utf8Value();
  int linkType = info[1].As<Napi::Number>().Int32Value();
  int64_t snap = info[2].As<Napi::Number>().Int64Value();
  int snaplen = (snap <= 0 || snap > 0x7fffffff) ? 262144 : (int)snap;
  bool bigEndian = info.Length() > 3 && info[3].IsBoolean() && info[3].As<Napi::Boolean>().Value();
  char errbuf[PCAP_ERRBUF_SIZE];
  errbuf[0] = 0;
  pcap_t* p = openSavefileLike(linkType, snaplen, bigEndian, errbuf);
  if (p == nullptr) {
    // No fmemopen, or libpcap refused the header: fall back to a dead handle.
    p = pcap_open_dead(linktypeToDlt(linkType), snaplen);
  }
  if (p == nullptr) {
    Napi::Error::New(env, errbuf[0] ? errbuf : "cannot create a pcap handle").ThrowAsJavaScriptException();
    return;
  }
  // tcpdump -r compiles with netmask 0 (there is no interface to ask).
  if (pcap_compile(p, &prog_, expr.c_str(), 1, 0) != 0) {
    std::string msg = pcap_geterr(p);
    pcap_close(p);
    Napi::Error::New(env, msg).ThrowAsJavaScriptException();
    return;
  }
  pcap_close(p);
  compiled_ = true;
}

Filter::~Filter() {
  if (compiled_) pcap_freecode(&prog_);
}

static bool viewOf(const Napi::Value& v, const uint8_t** data, size_t* len) {
  if (!v.IsTypedArray()) return false;
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_uint8_array) return false;
  Napi::Uint8Array u8 = ta.As<Napi::Uint8Array>();
  *data = u8.Data();
  *len = u8.ElementLength();
  return true;
}

// matches(buf, offset, capLen, origLen): boolean
Napi::Value Filter::Matches(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data;
  size_t len;
  if (info.Length() < 4 || !viewOf(info[0], &data, &len)) {
    Napi::TypeError::New(env, "matches(buf: Uint8Array, offset, capLen, origLen)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int64_t offset = info[1].As<Napi::Number>().Int64Value();
  int64_t capLen = info[2].As<Napi::Number>().Int64Value();
  int64_t origLen = info[3].As<Napi::Number>().Int64Value();
  if (offset < 0 || capLen < 0 || (uint64_t)(offset + capLen) > len) {
    Napi::RangeError::New(env, "frame lies outside the buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  struct pcap_pkthdr hdr;
  std::memset(&hdr, 0, sizeof hdr);
  hdr.caplen = (bpf_u_int32)capLen;
  hdr.len = (bpf_u_int32)(origLen < capLen ? capLen : origLen);
  return Napi::Boolean::New(env, pcap_offline_filter(&prog_, &hdr, data + offset) != 0);
}

// matchBatch(buf, offsets: Int32Array, capLens: Int32Array, origLens: Int32Array, count, out: Uint8Array): number
// Runs the filter on `count` frames that share one buffer; out[i] = 1 when frame i matches.
Napi::Value Filter::MatchBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint8_t* data;
  size_t len;
  if (info.Length() < 6 || !viewOf(info[0], &data, &len) || !info[1].IsTypedArray() || !info[2].IsTypedArray() ||
      !info[3].IsTypedArray() || !info[4].IsNumber() || !info[5].IsTypedArray()) {
    Napi::TypeError::New(env, "matchBatch(buf, offsets, capLens, origLens, count, out)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Int32Array offs = info[1].As<Napi::Int32Array>();
  Napi::Int32Array caps = info[2].As<Napi::Int32Array>();
  Napi::Int32Array origs = info[3].As<Napi::Int32Array>();
  Napi::Uint8Array out = info[5].As<Napi::Uint8Array>();
  int64_t count = info[4].As<Napi::Number>().Int64Value();
  if (count < 0 || (size_t)count > offs.ElementLength() || (size_t)count > caps.ElementLength() ||
      (size_t)count > origs.ElementLength() || (size_t)count > out.ElementLength()) {
    Napi::RangeError::New(env, "count exceeds the arrays").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int32_t* po = offs.Data();
  const int32_t* pc = caps.Data();
  const int32_t* pw = origs.Data();
  uint8_t* pout = out.Data();
  struct pcap_pkthdr hdr;
  std::memset(&hdr, 0, sizeof hdr);
  int64_t kept = 0;
  for (int64_t i = 0; i < count; i++) {
    int64_t o = po[i], c = pc[i], w = pw[i];
    if (o < 0 || c < 0 || (uint64_t)(o + c) > len) {
      Napi::RangeError::New(env, "frame lies outside the buffer").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    hdr.caplen = (bpf_u_int32)c;
    hdr.len = (bpf_u_int32)(w < c ? c : w);
    uint8_t m = pcap_offline_filter(&prog_, &hdr, data + o) != 0 ? 1 : 0;
    pout[i] = m;
    kept += m;
  }
  return Napi::Number::New(env, (double)kept);
}

// dump(): the compiled program in `tcpdump -d` form, one instruction a line.
Napi::Value Filter::Dump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string s;
  for (u_int i = 0; i < prog_.bf_len; i++) {
    char* line = bpf_image(&prog_.bf_insns[i], (int)i);
    s += line;
    s += '\n';
  }
  return Napi::String::New(env, s);
}

Napi::Function Filter::Init(Napi::Env env) {
  return DefineClass(env, "Filter",
                     {
                         InstanceMethod("matches", &Filter::Matches),
                         InstanceMethod("matchBatch", &Filter::MatchBatch),
                         InstanceMethod("dump", &Filter::Dump),
                     });
}
