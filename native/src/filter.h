// libpcap's filter compiler brought to capture files: an expression is
// compiled once for a link type (pcap_open_dead + pcap_compile) and run on
// each frame with pcap_offline_filter, exactly as `tcpdump -r FILE EXPR` does.
#pragma once
#include <napi.h>
#include <pcap/pcap.h>

class Filter : public Napi::ObjectWrap<Filter> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Filter(const Napi::CallbackInfo& info);
  ~Filter();

 private:
  Napi::Value Matches(const Napi::CallbackInfo& info);
  Napi::Value MatchBatch(const Napi::CallbackInfo& info);
  Napi::Value Dump(const Napi::CallbackInfo& info);

  struct bpf_program prog_ = {0, nullptr};
  bool compiled_ = false;
};
