// Live capture with libpcap, delivered in batches: the kernel's own
// timestamps (ns), the original length of every frame, libpcap's drop
// counters, and one call into JavaScript per readable event instead of one
// per frame.
#pragma once
#include <napi.h>
#include <pcap/pcap.h>
#include <uv.h>

#include <memory>

class LiveCapture : public Napi::ObjectWrap<LiveCapture> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit LiveCapture(const Napi::CallbackInfo& info);
  ~LiveCapture();

 private:
  Napi::Value Dispatch(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Pause(const Napi::CallbackInfo& info);
  Napi::Value Resume(const Napi::CallbackInfo& info);
  Napi::Value GetLinkType(const Napi::CallbackInfo& info);
  Napi::Value GetSnapLen(const Napi::CallbackInfo& info);
  Napi::Value GetNanos(const Napi::CallbackInfo& info);
  Napi::Value GetWarning(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  void Shutdown();

  pcap_t* pcap_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference onReadable_;
  std::unique_ptr<Napi::AsyncContext> asyncCtx_;
  int linkType_ = -1;
  int snapLen_ = 0;
  bool nanos_ = false;
  bool closed_ = true;
  bool polling_ = false;
  bool dispatching_ = false;
  std::string warning_;
};
