#include "capture.h"

#include <cstring>
#include <string>

// DLT_* of an open handle → LINKTYPE_* for files and for synack's decoder
// (libpcap's dlt_to_linktype() for the values that differ).
static int dltToLinktype(int dlt) {
  switch (dlt) {
    case DLT_RAW: return 101;
#ifdef DLT_ATM_RFC1483
    case DLT_ATM_RFC1483: return 100;
#endif
    case DLT_PPP_SERIAL: return 50;
    case DLT_PPP_ETHER: return 51;
    default: return dlt;
  }
}

static Napi::Error makeError(Napi::Env env, const char* code, const std::string& msg) {
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

static std::string optString(Napi::Object o, const char* key, const std::string& def) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : def;
}
static int64_t optInt(Napi::Object o, const char* key, int64_t def) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : def;
}
static bool optBool(Napi::Object o, const char* key, bool def) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : def;
}

// new LiveCapture({ device, filter, snaplen, promisc, bufferBytes, timeoutMs, immediate }, onReadable)
// Throws an Error whose .code is EPERM, ENODEV, EIFDOWN, EFILTER or EPCAP, with libpcap's message.
LiveCapture::LiveCapture(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LiveCapture>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
    Napi::TypeError::New(env, "LiveCapture(options, onReadable)").ThrowAsJavaScriptException();
    return;
  }
  Napi::Object o = info[0].As<Napi::Object>();
  std::string device = optString(o, "device", "");
  std::string filter = optString(o, "filter", "");
  int64_t snap = optInt(o, "snaplen", 262144);
  snapLen_ = (snap <= 0 || snap > 262144) ? 262144 : (int)snap;
  bool promisc = optBool(o, "promisc", true);
  int64_t bufferBytes = optInt(o, "bufferBytes", 16 << 20);
  int64_t timeoutMs = optInt(o, "timeoutMs", 50);
  bool immediate = optBool(o, "immediate", false);

  char errbuf[PCAP_ERRBUF_SIZE];
  errbuf[0] = 0;
  pcap_t* p = pcap_create(device.c_str(), errbuf);
  if (p == nullptr) {
    makeError(env, "EPCAP", errbuf).ThrowAsJavaScriptException();
    return;
  }
  pcap_set_snaplen(p, snapLen_);
  pcap_set_promisc(p, promisc ? 1 : 0);
  if (bufferBytes > 0 && bufferBytes <= 0x7fffffff) pcap_set_buffer_size(p, (int)bufferBytes);
  pcap_set_timeout(p, (int)(timeoutMs > 0 ? timeoutMs : 50));
  if (immediate) pcap_set_immediate_mode(p, 1);
  nanos_ = pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_NANO) == 0;

  int rc = pcap_activate(p);
  if (rc < 0) {
    std::string msg = pcap_geterr(p);
    if (msg.empty()) msg = pcap_statustostr(rc);
    const char* code = "EPCAP";
    if (rc == PCAP_ERROR_PERM_DENIED || rc == PCAP_ERROR_PROMISC_PERM_DENIED) code = "EPERM";
    else if (rc == PCAP_ERROR_NO_SUCH_DEVICE) code = "ENODEV";
    else if (rc == PCAP_ERROR_IFACE_NOT_UP) code = "EIFDOWN";
    pcap_close(p);
    makeError(env, code, msg).ThrowAsJavaScriptException();
    return;
  }
  if (rc > 0) {
    std::string w = pcap_geterr(p);
    warning_ = w.empty() ? pcap_statustostr(rc) : w;
  }
  if (pcap_get_tstamp_precision(p) != PCAP_TSTAMP_PRECISION_NANO) nanos_ = false;

  if (!filter.empty()) {
    bpf_u_int32 net = 0, mask = 0;
    // Without an IPv4 address there is no netmask: only "ip broadcast" needs it.
    if (pcap_lookupnet(device.c_str(), &net, &mask, errbuf) == -1) mask = PCAP_NETMASK_UNKNOWN;
    struct bpf_program prog;
    if (pcap_compile(p, &prog, filter.c_str(), 1, mask) != 0) {
      std::string msg = pcap_geterr(p);
      pcap_close(p);
      makeError(env, "EFILTER", msg).ThrowAsJavaScriptException();
      return;
    }
    int sr = pcap_setfilter(p, &prog);
    pcap_freecode(&prog);
    if (sr != 0) {
      std::string msg = pcap_geterr(p);
      pcap_close(p);
      makeError(env, "EFILTER", msg).ThrowAsJavaScriptException();
      return;
    }
  }
  if (pcap_setnonblock(p, 1, errbuf) != 0) {
    pcap_close(p);
    makeError(env, "EPCAP", errbuf).ThrowAsJavaScriptException();
    return;
  }
  int fd = pcap_get_selectable_fd(p);
  if (fd < 0) {
    pcap_close(p);
    makeError(env, "EPCAP", "this device cannot be polled").ThrowAsJavaScriptException();
    return;
  }
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    pcap_close(p);
    makeError(env, "EPCAP", "no event loop").ThrowAsJavaScriptException();
    return;
  }
  poll_ = new uv_poll_t;
  if (uv_poll_init(loop, poll_, fd) != 0) {
    delete poll_;
    poll_ = nullptr;
    pcap_close(p);
    makeError(env, "EPCAP", "cannot poll the capture descriptor").ThrowAsJavaScriptException();
    return;
  }
  poll_->data = this;
  pcap_ = p;
  linkType_ = dltToLinktype(pcap_datalink(p));
  onReadable_ = Napi::Persistent(info[1].As<Napi::Function>());
  asyncCtx_ = std::make_unique<Napi::AsyncContext>(env, "synack:capture");
  closed_ = false;
  // Stay alive (not collected) while capturing.
  Ref();
  uv_poll_start(poll_, UV_READABLE, OnPoll);
  polling_ = true;
}

LiveCapture::~LiveCapture() {
  // Normally closed from JS; a collected handle cannot still be open (Ref above).
  if (pcap_ != nullptr && !dispatching_) {
    pcap_close(pcap_);
    pcap_ = nullptr;
  }
}

void LiveCapture::OnPoll(uv_poll_t* handle, int status, int events) {
  LiveCapture* self = static_cast<LiveCapture*>(handle->data);
  if (self == nullptr || self->closed_) return;
  Napi::Env env = self->Env();
  Napi::HandleScope scope(env);
  // An error on the descriptor (interface gone) is reported as readable too:
  // the next dispatch() then throws libpcap's message.
  (void)status;
  (void)events;
  self->onReadable_.MakeCallback(self->Value(), {}, *self->asyncCtx_);
}

struct DispatchCtx {
  uint8_t* buf;
  size_t end;
  size_t used;
  double* meta;
  int64_t n;
  bool nanos;
};

static void onPacket(u_char* user, const struct pcap_pkthdr* h, const u_char* data) {
  DispatchCtx* c = reinterpret_cast<DispatchCtx*>(user);
  size_t len = h->caplen;
  // Guaranteed by the caller (room for a whole snaplen); kept as a guard.
  if (len > c->end - c->used) len = c->end - c->used;
  std::memcpy(c->buf + c->used, data, len);
  double* m = c->meta + c->n * 5;
  m[0] = (double)c->used;
  m[1] = (double)len;
  m[2] = (double)h->len;
  m[3] = (double)h->ts.tv_sec;
  m[4] = c->nanos ? (double)h->ts.tv_usec : (double)h->ts.tv_usec * 1000.0;
  c->used += len;
  c->n++;
}

// dispatch(buf: Uint8Array, offset: number, meta: Float64Array, maxFrames: number): number
// Copies up to maxFrames waiting frames into buf from offset on; meta gets five numbers per
// frame: offset in buf, captured length, original length, seconds, nanoseconds. Returns the
// frame count (0 when nothing is waiting).
Napi::Value LiveCapture::Dispatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_ || pcap_ == nullptr) return Napi::Number::New(env, 0);
  if (info.Length() < 4 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsTypedArray() || !info[3].IsNumber()) {
    Napi::TypeError::New(env, "dispatch(buf, offset, meta, maxFrames)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::TypedArray bt = info[0].As<Napi::TypedArray>();
  Napi::TypedArray mt = info[2].As<Napi::TypedArray>();
  if (bt.TypedArrayType() != napi_uint8_array || mt.TypedArrayType() != napi_float64_array) {
    Napi::TypeError::New(env, "dispatch: buf must be a Uint8Array and meta a Float64Array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Uint8Array buf = bt.As<Napi::Uint8Array>();
  Napi::Float64Array meta = mt.As<Napi::Float64Array>();
  int64_t offset = info[1].As<Napi::Number>().Int64Value();
  int64_t maxFrames = info[3].As<Napi::Number>().Int64Value();
  if (offset < 0 || (size_t)offset > buf.ElementLength()) {
    Napi::RangeError::New(env, "dispatch: offset outside the buffer").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (maxFrames > (int64_t)(meta.ElementLength() / 5)) maxFrames = (int64_t)(meta.ElementLength() / 5);
  DispatchCtx c{buf.Data(), buf.ElementLength(), (size_t)offset, meta.Data(), 0, nanos_};
  dispatching_ = true;
  // Each round asks for no more frames than surely fit (a whole snaplen each),
  // so no frame is ever cut by our buffer.
  while (c.n < maxFrames) {
    int64_t room = (int64_t)((c.end - c.used) / (size_t)snapLen_);
    if (room <= 0) break;
    int64_t want = maxFrames - c.n;
    if (want > room) want = room;
    int r = pcap_dispatch(pcap_, (int)want, onPacket, reinterpret_cast<u_char*>(&c));
    if (r == PCAP_ERROR) {
      dispatching_ = false;
      if (c.n > 0) break;  // report what we have; the error comes back next time
      makeError(env, "EPCAP", pcap_geterr(pcap_)).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (r <= 0) break;
  }
  dispatching_ = false;
  return Napi::Number::New(env, (double)c.n);
}

// stats(): { received, dropped, ifDropped } from pcap_stats (since open).
Napi::Value LiveCapture::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  struct pcap_stat ps;
  std::memset(&ps, 0, sizeof ps);
  if (pcap_ == nullptr || pcap_stats(pcap_, &ps) != 0) return env.Null();
  o.Set("received", Napi::Number::New(env, ps.ps_recv));
  o.Set("dropped", Napi::Number::New(env, ps.ps_drop));
  o.Set("ifDropped", Napi::Number::New(env, ps.ps_ifdrop));
  return o;
}

void LiveCapture::Shutdown() {
  if (closed_) return;
  closed_ = true;
  if (poll_ != nullptr) {
    uv_poll_stop(poll_);
    polling_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (pcap_ != nullptr) {
    pcap_close(pcap_);
    pcap_ = nullptr;
  }
  onReadable_.Reset();
  Unref();
}

// pause() / resume(): stop and restart watching the descriptor. While paused,
// frames wait in the kernel's capture buffer (and what does not fit there is
// dropped by the kernel and counted by pcap_stats).
Napi::Value LiveCapture::Pause(const Napi::CallbackInfo& info) {
  if (!closed_ && polling_ && poll_ != nullptr) {
    uv_poll_stop(poll_);
    polling_ = false;
  }
  return info.Env().Undefined();
}

Napi::Value LiveCapture::Resume(const Napi::CallbackInfo& info) {
  if (!closed_ && !polling_ && poll_ != nullptr) {
    uv_poll_start(poll_, UV_READABLE, OnPoll);
    polling_ = true;
  }
  return info.Env().Undefined();
}

Napi::Value LiveCapture::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

Napi::Value LiveCapture::GetLinkType(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), linkType_); }
Napi::Value LiveCapture::GetSnapLen(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), snapLen_); }
Napi::Value LiveCapture::GetNanos(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), nanos_); }
Napi::Value LiveCapture::GetWarning(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), warning_); }

Napi::Function LiveCapture::Init(Napi::Env env) {
  return DefineClass(env, "LiveCapture",
                     {
                         InstanceMethod("dispatch", &LiveCapture::Dispatch),
                         InstanceMethod("stats", &LiveCapture::Stats),
                         InstanceMethod("close", &LiveCapture::Close),
                         InstanceMethod("pause", &LiveCapture::Pause),
                         InstanceMethod("resume", &LiveCapture::Resume),
                         InstanceAccessor("linkType", &LiveCapture::GetLinkType, nullptr),
                         InstanceAccessor("snapLen", &LiveCapture::GetSnapLen, nullptr),
                         InstanceAccessor("nanos", &LiveCapture::GetNanos, nullptr),
                         InstanceAccessor("warning", &LiveCapture::GetWarning, nullptr),
                     });
}
