#include "filter.h"

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

// new Filter(expr, linkType, snaplen): compiles or throws libpcap's message.
Filter::Filter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Filter>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber()) {
    Napi::TypeError::New(env, "Filter(expr: string, linkType: number, snaplen: number)").ThrowAsJavaScriptException();
    return;
  }
  std::string expr = info[0].As<Napi::String>().Utf8Value();
  int linkType = info[1].As<Napi::Number>().Int32Value();
  int snaplen = info[2].As<Napi::Number>().Int32Value();
  if (snaplen <= 0 || snaplen > 0x7fffffff) snaplen = 262144;
  pcap_t* dead = pcap_open_dead(linktypeToDlt(linkType), snaplen);
  if (dead == nullptr) {
    Napi::Error::New(env, "pcap_open_dead failed").ThrowAsJavaScriptException();
    return;
  }
  // Offline there is no interface netmask; tcpdump -r passes 0 too (only
  // "ip broadcast" needs it, and that then reports an error, as in tcpdump).
  if (pcap_compile(dead, &prog_, expr.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
    std::string msg = pcap_geterr(dead);
    pcap_close(dead);
    Napi::Error::New(env, msg).ThrowAsJavaScriptException();
    return;
  }
  pcap_close(dead);
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
